"""`assess responses import|export` on the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from assess.extensions import db

from .helpers import csv_bytes, response_count


def test_import_export_round_trip(app, runner, tmp_path, monkeypatch, make_engagement,
                                  make_response):
    source = make_engagement()
    for n in range(6):
        make_response(source, "customer", {"c_ease_easy": 1 + n % 5, "c_recommend": n},
                      segments={"customer_route": "direct"})
        make_response(source, "staff", {"s_strat_plan": 1 + n % 5})
    target = make_engagement(organisation="Copy Ltd", name="Copy", status="draft")
    monkeypatch.chdir(tmp_path)
    exported = runner.invoke(args=["responses", "export", str(source.id), "-o", "."])
    assert exported.exit_code == 0, exported.output
    assert "Wrote 6 customer responses" in exported.output
    for audience in ("staff", "customer"):
        name = f"engagement-{source.id}-{audience}.csv"
        done = runner.invoke(
            args=["responses", "import", str(target.id), name, "--audience", audience]
        )
        assert done.exit_code == 0, done.output
        assert f"Imported 6 {audience} responses." in done.output
    again = runner.invoke(
        args=["responses", "import", str(target.id), f"engagement-{source.id}-staff.csv",
              "--audience", "staff"]
    )
    assert "Imported 0 staff responses; 6 already imported (skipped)." in again.output
    one = json.loads(runner.invoke(args=["results", str(source.id)]).output)
    two = json.loads(runner.invoke(args=["results", str(target.id)]).output)
    for document in (one, two):
        document.pop("engagement")
    assert one == two


def test_export_formats_and_outputs(app, runner, tmp_path, make_engagement, make_response):
    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 3},
                  comments={"c_open_change": "@SUM(1)"})
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--audience",
                              "customer", "--output", "-"])
    assert out.exit_code == 0
    rows = list(csv.reader(io.StringIO(out.output.lstrip("\ufeff"))))
    assert rows[0][0] == "respondent" and "'@SUM(1)" in rows[1]
    workbook_path = tmp_path / "all.xlsx"
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--format", "xlsx",
                              "-o", str(workbook_path)])
    assert out.exit_code == 0, out.output
    workbook = load_workbook(workbook_path, read_only=True)
    assert workbook.sheetnames == ["staff", "customer"]
    refused = runner.invoke(args=["responses", "export", str(engagement.id), "-o", "x.csv"])
    assert refused.exit_code != 0
    assert "A CSV holds one audience: give -o DIR" in refused.output


def test_import_lists_every_bad_cell_and_writes_nothing(app, runner, tmp_path, make_engagement):
    engagement = make_engagement()
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["c_ease_easy", "c_recommend"], [9, 3], [2, "x"]]))
    result = runner.invoke(args=["responses", "import", str(engagement.id), str(path),
                                 "--audience", "customer"])
    assert result.exit_code == 1
    assert "row 2, column A (c_ease_easy): '9' is not on this question's scale" in result.output
    assert "row 3, column B (c_recommend): 'x' is not a whole number" in result.output
    assert "The file has 2 problems; nothing was imported." in result.output
    assert response_count(engagement.id) == 0


def test_import_problems(app, runner, tmp_path, make_engagement):
    engagement = make_engagement()
    path = tmp_path / "latin.csv"
    path.write_bytes("c_open_change\nTrès bien\n".encode("latin-1"))
    result = runner.invoke(args=["responses", "import", str(engagement.id), str(path),
                                 "--audience", "customer"])
    assert result.exit_code == 1
    assert "latin.csv: The file is not UTF-8" in result.output
    result = runner.invoke(args=["responses", "import", "99", str(path), "--audience", "staff"])
    assert "There is no engagement 99" in result.output


def test_large_files_show_a_progress_bar(app, runner, tmp_path, make_engagement):
    engagement = make_engagement()
    path = tmp_path / "big.csv"
    header = ["c_ease_easy", "c_open_change"]
    path.write_bytes(csv_bytes([header] + [[1 + n % 5, "x" * 400] for n in range(3000)]))
    assert path.stat().st_size > 1_000_000
    result = runner.invoke(args=["responses", "import", str(engagement.id), str(path),
                                 "--audience", "customer"])
    assert result.exit_code == 0, result.output
    assert "Checking the file" in result.output
    assert "Writing 3,000 responses" in result.output
    db.session.expire_all()
    assert response_count(engagement.id) == 3000


# -- where the export writes (issue 15: never into the current folder unasked) ---------


@pytest.fixture
def shell_folder(tmp_path, monkeypatch):
    """An empty current folder (the test's database lives beside it)."""
    folder = tmp_path / "shell"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_one_audience_csv_goes_to_standard_output(app, runner, shell_folder,
                                                  make_engagement, make_response):
    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 4})
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--format", "csv",
                              "--audience", "customer"])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert rows[0][0] == "respondent" and len(rows) == 2
    assert list(shell_folder.iterdir()) == []  # nothing written where the shell stood


def test_several_audiences_without_a_folder_are_refused(app, runner, shell_folder,
                                                        make_engagement, make_response):
    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 4})
    for extra in ([], ["-o", "-"], ["-o", "all.csv"]):
        out = runner.invoke(args=["responses", "export", str(engagement.id), "--format", "csv",
                                  *extra])
        assert out.exit_code == 1, out.output
        assert "give -o DIR to write one file per audience" in out.output
        assert "or --audience" in out.output
    assert list(shell_folder.iterdir()) == []
    folder = shell_folder / "exports"
    out = runner.invoke(args=["responses", "export", str(engagement.id), "-o", str(folder)])
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in folder.iterdir()) == [
        f"engagement-{engagement.id}-customer.csv", f"engagement-{engagement.id}-staff.csv",
    ]
    # A folder for one audience's file names it as the export would.
    one = shell_folder / "one"
    one.mkdir()
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--audience",
                              "customer", "-o", str(one)])
    assert out.exit_code == 0, out.output
    assert [p.name for p in one.iterdir()] == [f"engagement-{engagement.id}-customer.csv"]


def test_a_workbook_goes_to_standard_output_unless_that_is_a_terminal(
    app, runner, shell_folder, monkeypatch, make_engagement, make_response
):
    from assess.transfer import cli as transfer_cli

    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 4})
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--format", "xlsx"])
    assert out.exit_code == 0, out.output
    workbook = load_workbook(io.BytesIO(out.stdout_bytes), read_only=True)
    assert workbook.sheetnames == ["staff", "customer"]
    assert list(shell_folder.iterdir()) == []
    monkeypatch.setattr(transfer_cli, "_stdout_is_terminal", lambda: True)
    out = runner.invoke(args=["responses", "export", str(engagement.id), "--format", "xlsx"])
    assert out.exit_code == 1
    assert "give -o FILE" in out.output and "redirect standard output" in out.output
    assert list(shell_folder.iterdir()) == []
