"""50 MB files: imported (or refused) in bounded memory, without writing anything twice."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from assess.extensions import db
from assess.transfer.layout import Layout
from assess.transfer.services import ImportRejected, import_responses

from .helpers import answer_count, response_count

MB = 1024 * 1024


def write_file(path: Path, layout: Layout, instrument, size: int, comment_length: int,
               bad_last_row: bool = False) -> int:
    """A customer file of about ``size`` bytes; returns its number of data rows.

    With ``bad_last_row`` the same rows are followed by one whose "F (c_ease_easy)"
    is out of range."""
    rng = random.Random(50)
    scales = [instrument.scale(i.scale) for i in layout.items]
    texts = [
        "".join(rng.choice("abcdefgh ") for _ in range(comment_length)).strip() + "."
        for _ in range(100)
    ]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(layout.header) + "\r\n")
        while out.tell() < size:
            rows += 1
            cells = [f"R{rows}"]
            cells += [rng.choice(q.options).id for q in layout.segments]
            cells += [str(rng.randint(s.min, s.max)) for s in scales]
            cells += [f'"{rng.choice(texts)}"' for _ in layout.open_questions]
            out.write(",".join(cells) + "\r\n")
        if bad_last_row:
            cells = [f"R{rows + 1}"] + [""] * (len(layout.header) - 1)
            cells[layout.header.index("c_ease_easy")] = "6"
            out.write(",".join(cells) + "\r\n")
            rows += 1
    return rows


@pytest.fixture(scope="module")
def fifty_mb_file(tmp_path_factory):
    """The two 50 MB customer files (good, and with a bad last row), each written once
    for the module and imported by the tests on every database: ``(path, rows)``."""
    folder = tmp_path_factory.mktemp("large-files")
    written: dict[bool, tuple[Path, int]] = {}

    def get(layout: Layout, instrument, bad_last_row: bool = False) -> tuple[Path, int]:
        if bad_last_row not in written:
            path = folder / ("bad.csv" if bad_last_row else "big.csv")
            rows = write_file(path, layout, instrument, 50 * MB, comment_length=1000,
                              bad_last_row=bad_last_row)
            written[bad_last_row] = (path, rows)
        return written[bad_last_row]

    return get


@pytest.mark.slow
def test_a_50_mb_file(fifty_mb_file, make_engagement):
    """Mostly long comments: 25,000 respondents with every question answered."""
    engagement = make_engagement()
    instrument = engagement.instrument()
    layout = Layout.of(instrument, "customer")
    path, rows = fifty_mb_file(layout, instrument)
    assert path.stat().st_size >= 50 * MB
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            report = import_responses(engagement, "customer", stream, path.name,
                                      size=path.stat().st_size)
        db.session.commit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.imported == rows
    assert response_count(engagement.id) == rows
    assert answer_count(engagement.id) == rows * len(layout.items)
    # The comments themselves (~50 MB of text) are held until written; little more.
    assert peak < 3 * 50 * MB


@pytest.mark.slow
def test_a_50_mb_file_with_one_bad_cell_in_its_last_row(fifty_mb_file, make_engagement):
    """Checked to the end, then refused as a whole: nothing is written."""
    engagement = make_engagement()
    instrument = engagement.instrument()
    layout = Layout.of(instrument, "customer")
    path, rows = fifty_mb_file(layout, instrument, bad_last_row=True)
    tracemalloc.start()
    try:
        with path.open("rb") as stream, pytest.raises(ImportRejected) as caught:
            import_responses(engagement, "customer", stream, path.name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    db.session.rollback()
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (rows + 1, "F (c_ease_easy)", "6")
    assert response_count(engagement.id) == 0
    assert peak < 2 * 50 * MB  # the comments of the good rows, and not much more
