"""Exporting responses, formula neutralisation, and the round trip through import."""

from __future__ import annotations

import csv
import io
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from assess.extensions import db
from assess.results.service import engagement_results
from assess.transfer.layout import Layout, neutralise, restore
from assess.transfer.services import (
    csv_chunks,
    export_rows,
    import_responses,
    write_csv,
    write_xlsx,
)

from .helpers import csv_bytes


def exported_csv(engagement, audience) -> bytes:
    buffer = io.StringIO()
    write_csv(export_rows(engagement, audience), buffer)
    return ("\ufeff" + buffer.getvalue()).encode()


def exported_xlsx(engagement, audiences) -> bytes:
    buffer = io.BytesIO()
    write_xlsx({a: export_rows(engagement, a) for a in audiences}, buffer)
    return buffer.getvalue()


def comparable(results):
    """Results without what differs between two engagements by design (the trend)."""
    data = results.to_dict()
    data.pop("trend")
    return data


def test_export_layout(make_engagement, make_response):
    engagement = make_engagement()
    make_response(engagement, "customer", {"c_ease_easy": 4, "c_ease_repeat": None},
                  segments={"customer_type": "individual"},
                  comments={"c_open_change": "=cmd|' /C calc'!A0"})
    make_response(engagement, "staff", {"s_strat_plan": 2})
    rows = list(export_rows(engagement, "customer"))
    layout = Layout.of(engagement.instrument(), "customer")
    assert rows[0] == layout.header
    assert rows[0][:2] == ["respondent", "customer_length"]
    assert len(rows) == 2  # the staff response is in the staff export
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["respondent"] is None
    assert row["c_ease_easy"] == 4
    assert row["c_ease_repeat"] == "NA"
    assert row["c_insight_view"] is None
    assert row["customer_type"] == "individual"
    assert row["c_open_change"] == "=cmd|' /C calc'!A0"
    text = exported_csv(engagement, "customer").decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text)))[1]
    assert "'=cmd|' /C calc'!A0" in cells  # neutralised for spreadsheets
    assert "".join(csv_chunks(iter(rows))).lstrip("\ufeff") == text


def test_xlsx_export_has_no_formulas(make_engagement, make_response):
    engagement = make_engagement()
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@A1", "\tx", "\rx", "plain"):
        # A rated answer each: a response without one is none (rule 1, amended).
        make_response(engagement, "customer", {"c_ease_easy": 3},
                      comments={"c_open_change": text})
    workbook = load_workbook(io.BytesIO(exported_xlsx(engagement, ["staff", "customer"])))
    assert workbook.sheetnames == ["staff", "customer"]
    sheet = workbook["customer"]
    column = [c.value for c in sheet[1]].index("c_open_change") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 9)]
    assert all(c.data_type == "s" for c in cells)
    # (XML turns a "\r" into "\n": a workbook cannot hold one.)
    assert [c.value for c in cells] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@A1", "'\tx", "'\nx",
                                        "plain"]


def test_round_trip_csv_and_xlsx_gives_identical_results(make_engagement):
    from assess.demo.generate import load_demo

    source = load_demo(seed=5, staff=20, customers=40)
    db.session.commit()
    audiences = [str(a) for a in source.instrument().audiences()]
    by_csv = make_engagement(organisation="Copy by CSV")
    for audience in audiences:
        import_responses(by_csv, audience, io.BytesIO(exported_csv(source, audience)), "x.csv")
    by_xlsx = make_engagement(organisation="Copy by XLSX")
    workbook = exported_xlsx(source, audiences)
    for audience in audiences:
        import_responses(by_xlsx, audience, io.BytesIO(workbook), "x.xlsx")
    db.session.commit()
    expected = comparable(engagement_results(source))
    assert comparable(engagement_results(by_csv)) == expected
    assert comparable(engagement_results(by_xlsx)) == expected
    for audience in audiences:
        assert exported_csv(by_csv, audience) == exported_csv(source, audience)


def test_neutralise_and_restore_are_inverse():
    for text in ["=x", "'=x", "''+x", "'", "''", "plain", "-", "'plain", "@", "\t"]:
        assert restore(neutralise(text)) == text
        assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


# -- property: import then export is the identity -----------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " ,;\"'=+-@\n\té€😀"),
    min_size=1, max_size=40,
).map(str.strip).filter(bool)


def column_kinds(layout: Layout, instrument) -> tuple[tuple, ...]:
    """A small description of the columns (hypothesis shows it when a test fails)."""
    kinds: list[tuple] = [(q.id, tuple(o.id for o in q.options)) for q in layout.segments]
    for item in layout.items:
        scale = instrument.scale(item.scale)
        kinds.append((item.id, scale.min, scale.max, scale.allow_na))
    kinds += [(q.id,) for q in layout.open_questions]
    return tuple(kinds)


@st.composite
def import_files(draw, kinds: tuple[tuple, ...], with_ids: bool):
    header = ["respondent"] + [k[0] for k in kinds]
    rows = []
    for n in range(draw(st.integers(1, 12))):
        row = [f"id-{n}-{draw(st.integers(0, 9))}" if with_ids else None]
        for kind in kinds:
            if len(kind) == 2:  # a segment question
                row.append(draw(st.none() | st.sampled_from(kind[1])))
            elif len(kind) == 4:  # an item
                choices = st.none() | st.integers(kind[1], kind[2])
                row.append(draw(choices | st.just("NA") if kind[3] else choices))
            else:  # an open question
                row.append(draw(st.none() | _TEXT))
        rated = any(isinstance(v, int) for k, v in zip(kinds, row[1:], strict=True)
                    if len(k) == 4)
        if rated:  # a row with no rated answer is no response (scoring rule 1)
            rows.append(row)
    assume(rows)
    return [header, *rows]


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_import_then_export_is_the_identity(make_engagement, data):
    engagement = make_engagement()
    instrument = engagement.instrument()
    audience = data.draw(st.sampled_from(["staff", "customer"]), label="audience")
    layout = Layout.of(instrument, audience)
    with_ids = data.draw(st.booleans(), label="with_ids")
    rows = data.draw(import_files(column_kinds(layout, instrument), with_ids), label="file")
    if with_ids:  # respondent ids are unique within a file
        seen = set()
        rows = [rows[0]] + [r for r in rows[1:] if not (r[0] in seen or seen.add(r[0]))]
    as_xlsx = data.draw(st.booleans(), label="xlsx")
    if as_xlsx:
        from .helpers import xlsx_bytes

        content, name = xlsx_bytes([[neutralise(v) if isinstance(v, str) else v for v in r]
                                    for r in rows]), "f.xlsx"
    else:
        content, name = csv_bytes([[neutralise(v) if isinstance(v, str) else v for v in r]
                                   for r in rows]), "f.csv"
    report = import_responses(engagement, audience, io.BytesIO(content), name)
    db.session.commit()
    assert report.imported == len(rows) - 1
    assert list(export_rows(engagement, audience)) == rows
