"""The results benchmark still runs (its quick mode, on SQLite); no timing is asserted."""

from __future__ import annotations

from bench.results import main


def test_quick_benchmark_runs_and_verifies():
    lines: list[str] = []
    status = main(
        ["--quick", "--backend", "sqlite", "--customers", "600", "--staff", "60"],
        say=lines.append,
    )
    output = "\n".join(lines)
    assert status == 0
    assert "statistics equal the test oracle" in output
    row = next(line for line in lines if line.startswith("sqlite "))
    assert "660" in row  # respondents imported
    assert "Targets at 100,000 customers" in output
