"""Importing responses: good files, idempotency, and every kind of bad file."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.respondents.models import Answer, Comment, Response, SegmentAnswer
from assess.transfer.services import (
    FileProblem,
    ImportRejected,
    TransferError,
    import_responses,
)
from tests.results.helpers import assert_codes_match_answers

from .helpers import answer_count, csv_bytes, response_count, xlsx_bytes

HEADER = ["respondent", "customer_length", "c_ease_easy", "c_ease_repeat", "c_recommend",
          "c_open_change"]


def run(engagement, data: bytes, audience="customer", filename="answers.csv"):
    report = import_responses(engagement, audience, io.BytesIO(data), filename)
    db.session.commit()
    return report


def rejected(engagement, data: bytes, audience="customer", filename="answers.csv"):
    with pytest.raises(ImportRejected) as caught:
        import_responses(engagement, audience, io.BytesIO(data), filename)
    db.session.rollback()
    assert response_count(engagement.id) == 0  # nothing written
    return {(e.row, e.column, e.value): e.reason for e in caught.value.errors}


def problem(engagement, data: bytes, filename="answers.csv") -> str:
    with pytest.raises(FileProblem) as caught:
        import_responses(engagement, "customer", io.BytesIO(data), filename)
    db.session.rollback()
    assert response_count(engagement.id) == 0
    return str(caught.value)


def test_a_good_file(make_engagement):
    engagement = make_engagement()
    revision = engagement.revision
    data = csv_bytes([
        HEADER,
        ["r1", "1_3y", 4, "NA", 9, "Answer faster."],
        ["r2", "", "", 2, 0, ""],
        ["r3", "over_10y", "5", " 1 ", "10", "  "],
    ])
    report = run(engagement, data)
    assert (report.rows, report.imported, report.already_imported) == (3, 3, 0)
    assert report.format == "csv"
    assert "c_insight_view" in report.missing_items  # no column: unanswered
    responses = db.session.scalars(
        select(Response).where(Response.engagement_id == engagement.id).order_by(Response.id)
    ).all()
    assert [r.external_id for r in responses] == ["r1", "r2", "r3"]
    assert all(r.status == "submitted" and r.submitted_on == date.today() for r in responses)
    assert all(r.audience == "customer" and r.resume_key_hash is None for r in responses)
    answers = {
        (a.response_id, a.item_id): a.value for a in db.session.scalars(select(Answer))
    }
    first, second, third = (r.id for r in responses)
    assert answers[(first, "c_ease_easy")] == 4
    assert answers[(first, "c_ease_repeat")] is None  # not applicable
    assert (second, "c_ease_easy") not in answers  # skipped
    assert answers[(third, "c_ease_repeat")] == 1
    segments = {(s.response_id, s.question_id): s.option_id
                for s in db.session.scalars(select(SegmentAnswer))}
    assert segments == {(first, "customer_length"): "1_3y",
                        (third, "customer_length"): "over_10y"}
    comments = db.session.scalars(select(Comment)).all()
    assert [(c.response_id, c.text) for c in comments] == [(first, "Answer faster.")]
    assert assert_codes_match_answers(engagement) == 3  # for the results
    db.session.refresh(engagement)
    assert engagement.revision > revision  # cached reports are stale


def test_importing_the_same_file_twice_adds_nothing(make_engagement):
    engagement = make_engagement()
    data = csv_bytes([HEADER, ["a", "", 1, 1, 1, ""], ["b", "", 2, 2, 2, ""]])
    assert run(engagement, data).imported == 2
    again = run(engagement, data)
    assert (again.imported, again.already_imported) == (0, 2)
    more = csv_bytes([HEADER, ["b", "", 2, 2, 2, ""], ["c", "", 3, 3, 3, ""]])
    assert (run(engagement, more).imported, response_count(engagement.id)) == (1, 3)


def test_without_respondent_ids_the_content_decides(make_engagement):
    engagement = make_engagement()
    header = HEADER[1:]
    rows = [["", 5, 5, 10, ""], ["", 5, 5, 10, ""], ["1_3y", 1, None, 0, "Hello"]]
    report = run(engagement, csv_bytes([header, *rows]))
    assert report.imported == 3  # two respondents who answered alike are both kept
    assert report.derived_ids
    # The same rows again, re-ordered, with the columns shuffled, as a workbook: nothing new.
    shuffled = [[r[4], r[3], r[2], r[1], r[0]] for r in rows[::-1]]
    again = run(engagement, xlsx_bytes([header[::-1], *shuffled]), filename="again.xlsx")
    assert (again.imported, again.already_imported) == (0, 3)
    # A third identical respondent in a later file is new.
    third = run(engagement, csv_bytes([header, *rows, ["", 5, 5, 10, ""]]))
    assert (third.imported, response_count(engagement.id)) == (1, 4)


def test_xlsx_and_its_cell_types(make_engagement):
    engagement = make_engagement()
    data = xlsx_bytes([HEADER, [1001, "3_10y", 4.0, "NA", 7, None], [None, None, 2, None, 8,
                                                                      "Fine"]])
    report = run(engagement, data, filename="answers.xlsx")
    assert (report.format, report.imported) == ("xlsx", 2)
    ids = db.session.scalars(select(Response.external_id).order_by(Response.id)).all()
    assert ids[0] == "1001"
    assert answer_count(engagement.id) == 5


def test_the_audience_sheet_of_a_workbook_is_read(make_engagement):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "staff"
    workbook.active.append(["s_strat_plan"])
    workbook.active.append([3])
    customers = workbook.create_sheet("Customer")
    customers.append(["c_ease_easy"])
    customers.append([5])
    customers.append([4])
    buffer = io.BytesIO()
    workbook.save(buffer)
    engagement = make_engagement()
    assert run(engagement, buffer.getvalue(), filename="both.xlsx").imported == 2
    assert run(engagement, buffer.getvalue(), "staff", filename="both.xlsx").imported == 1


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_dialects(make_engagement, delimiter):
    engagement = make_engagement()
    data = csv_bytes([HEADER, ["x", "", 3, 3, 3, "Comma, semicolon; and tab\tin text"]],
                     delimiter=delimiter, bom=True).replace(b"\n", b"\r\n")
    assert run(engagement, data).imported == 1
    text = db.session.scalar(select(Comment.text))
    assert text == "Comma, semicolon; and tab\tin text"


def test_every_kind_of_bad_cell(make_engagement):
    engagement = make_engagement()
    header = ["respondent", "customer_length", "c_ease_easy", "c_recommend", "c_open_change",
              "s_strat_plan", "c_ease_esy", "c_ease_easy", "", "colour"]
    long_text = "x" * 2001
    data = csv_bytes([
        header,
        ["a", "forever", "6", "NA", long_text, "1", "", "", "", ""],
        ["a", "1_3y", "4.5", "11", "", "", "", "", "data", ""],
        ["b" * 201, "1_3y", "three", "-1", "", "", "", "", "", "", "extra"],
        ["c", "", "0", "", "", "", "", "", "", ""],
    ])
    errors = rejected(engagement, data)
    expected = {
        (1, "F (s_strat_plan)", "s_strat_plan"): "staff questionnaire, not the customer",
        (1, "G (c_ease_esy)", "c_ease_esy"): "did you mean 'c_ease_easy'",
        (1, "H (c_ease_easy)", "c_ease_easy"): "appears twice in the header row",
        (1, "J (colour)", "colour"): "not a question of the customer questionnaire",
        (2, "B (customer_length)", "forever"): "not one of this question's options",
        (2, "C (c_ease_easy)", "6"): "not on this question's scale (1 to 5)",
        (2, "D (c_recommend)", "NA"): "has no 'not applicable'",
        (2, "E (c_open_change)", "x" * 57 + "..."): "longer than the 2,000 characters",
        (3, "A (respondent)", "a"): "already the respondent of row 2",
        (3, "C (c_ease_easy)", "4.5"): "not a whole number",
        (3, "D (c_recommend)", "11"): "not on this question's scale (0 to 10)",
        (3, "I", "data"): "without a name in the header row",
        (4, "A (respondent)", "b" * 57 + "..."): "longer than the 200 characters",
        (4, "C (c_ease_easy)", "three"): "not a whole number",
        (4, "D (c_recommend)", "-1"): "not on this question's scale",
        (4, "K", "extra"): "right of the last column",
        (5, "C (c_ease_easy)", "0"): "not on this question's scale",
    }
    for key, fragment in expected.items():
        assert key in errors, key
        assert fragment in errors[key]
    assert set(errors) == set(expected)


def test_bad_workbook_cells(make_engagement):
    engagement = make_engagement()
    data = xlsx_bytes([
        ["c_ease_easy", "c_recommend", "customer_length"],
        [datetime(2026, 1, 5), True, 3],
        [2.5, 10, "under_1y"],
    ])
    errors = rejected(engagement, data, filename="bad.xlsx")
    assert set(errors) == {
        (2, "A (c_ease_easy)", "2026-01-05 00:00:00"),
        (2, "B (c_recommend)", "True"),
        (2, "C (customer_length)", "3"),
        (3, "A (c_ease_easy)", "2.5"),
    }


def test_a_file_of_the_other_audience(make_engagement):
    engagement = make_engagement()
    errors = rejected(engagement, csv_bytes([["s_strat_plan", "s_org_groups"], [1, 2]]))
    reasons = " ".join(errors.values())
    assert "no column is a question of the customer questionnaire" in reasons


def test_not_utf8(make_engagement):
    engagement = make_engagement()
    latin1 = csv_bytes([HEADER, ["r1", "", 3, 3, 3, "Très bien"]], encoding="latin-1")
    assert "not UTF-8" in problem(engagement, latin1)
    assert "CSV UTF-8" in problem(engagement, latin1)
    utf16 = "\ufeffc_ease_easy\n3\n".encode("utf-16")
    assert "UTF-16" in problem(engagement, utf16)
    late = csv_bytes([HEADER] + [["", "", 3, 3, 3, "ok"]] * 3000) + "é\n".encode("latin-1")
    assert "not UTF-8" in problem(engagement, late)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b" \r\n\r\n", "The file is empty"),
        (b"c_ease_easy,c_recommend\r\n", "no responses below it"),
        (b"\r\nc_ease_easy\r\n3\r\n", "first row of the file is empty"),
        (b"c_ease_easy\x00,x\n", "NUL bytes"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
        (b"PK\x03\x04 not really a zip", "not a valid Excel workbook"),
    ],
)
def test_unreadable_files(make_engagement, data, message):
    assert message in problem(make_engagement(), data)


def test_named_xlsx_but_text(make_engagement):
    assert "not an Excel workbook" in problem(make_engagement(), b"a,b\n1,2\n", "x.xlsx")


def test_an_empty_workbook(make_engagement):
    assert "The file is empty" in problem(make_engagement(), xlsx_bytes([]), "empty.xlsx")
    blank = xlsx_bytes([[None, None], [None, ""]])
    errors = rejected(make_engagement(), blank, filename="blank.xlsx")
    assert "no header row" in " ".join(errors.values())


def test_wrong_audience(make_engagement):
    engagement = make_engagement()
    with pytest.raises(TransferError):
        import_responses(engagement, "board", io.BytesIO(b"x\n1\n"), "x.csv")


def test_formula_cells_are_restored_on_import(make_engagement):
    engagement = make_engagement()
    data = csv_bytes([["respondent", "c_ease_easy", "c_open_change"],
                      ["'=r1", 3, "'=HYPERLINK(\"x\")"], ["''-2", 4, "'@SUM(A1)"]])
    run(engagement, data)
    rows = db.session.execute(
        select(Response.external_id, Comment.text).join(Comment).order_by(Response.id)
    ).all()
    assert [tuple(r) for r in rows] == [("=r1", '=HYPERLINK("x")'), ("'-2", "@SUM(A1)")]


def test_a_concurrent_import_of_the_same_rows(make_engagement, monkeypatch):
    """Two imports of one file at once: the database's unique respondent ids decide;
    the loser writes nothing and says to import again."""
    import assess.transfer.services as services

    engagement = make_engagement()
    data = csv_bytes([HEADER, ["a", "", 1, 1, 1, ""], ["b", "", 2, 2, 2, ""]])
    run(engagement, data)
    monkeypatch.setattr(services, "_respondent_ids", lambda *args: set())  # it saw nothing yet
    with pytest.raises(TransferError, match="Import it again"):
        import_responses(engagement, "customer", io.BytesIO(data), "again.csv")
    db.session.rollback()
    assert response_count(engagement.id) == 2
