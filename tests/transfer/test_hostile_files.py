"""Hostile and awkward import files: refused with a clear message, never a 500.

Workbook bombs are tested against lowered limits (``ASSESS_IMPORT_MAX_*``), so
every file here is a few KB; what each limit guards against at full size is in
``docs/results.md`` ("Limits").
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable

import pytest

from assess.extensions import db
from assess.transfer.reading import FileProblem, ReadLimits, check_workbook, read_rows
from assess.transfer.services import import_responses

from .helpers import csv_bytes, follow_import, response_count, xlsx_bytes

HEADER = ["respondent", "c_ease_easy", "c_open_change"]
SHEET = "xl/worksheets/sheet1.xml"


def problem(engagement, data: bytes, filename: str = "answers.xlsx") -> str:
    with pytest.raises(FileProblem) as caught:
        import_responses(engagement, "customer", io.BytesIO(data), filename)
    db.session.rollback()
    assert response_count(engagement.id) == 0
    return str(caught.value)


def rewrite(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook ``data`` with the member ``name`` changed (deflated, as Excel does)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            target.writestr(member.filename, change(content) if member.filename == name
                            else content)
    return out.getvalue()


def small_workbook() -> bytes:
    return xlsx_bytes([HEADER, ["r1", 4, "Fine."], ["r2", 3, ""]])


def huge_cell_workbook() -> bytes:
    """A 2 MB comment (openpyxl writes at most 32,767 characters, Excel's limit)."""
    return rewrite(small_workbook(), SHEET, lambda xml: xml.replace(
        b"<t>Fine.</t>", b"<t>" + b"a" * (2 * 1024 * 1024) + b"</t>"))


# -- workbook bombs -------------------------------------------------------------------


def test_a_workbook_too_big_uncompressed_is_refused_unread(app, make_engagement):
    """A 2 MB cell compresses to a few KB (the issue's 1 MB file held 1,000 MB)."""
    app.config["IMPORT_MAX_UNCOMPRESSED_MB"] = 1
    data = huge_cell_workbook()
    assert len(data) < 20_000
    message = problem(make_engagement(), data)
    assert "more than 1 MB once uncompressed" in message
    assert "ASSESS_IMPORT_MAX_UNCOMPRESSED_MB" in message


def test_the_declared_size_is_checked_before_anything_is_read(monkeypatch):
    data = huge_cell_workbook()
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(FileProblem, match="once uncompressed"):
        check_workbook(io.BytesIO(data), ReadLimits(max_uncompressed_mb=1))
    assert opened == []  # refused from the zip's directory alone


def test_a_member_that_understates_its_size_is_refused():
    """The central directory says 100 bytes; the member holds 2 MB."""
    data = bytearray(huge_cell_workbook())
    entry = data.find(b"PK\x01\x02")  # the central directory's first entry
    while entry >= 0:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        name = bytes(data[entry + 46:entry + 46 + name_length])
        if name == SHEET.encode():
            struct.pack_into("<I", data, entry + 24, 100)  # uncompressed size
        entry = data.find(b"PK\x01\x02", entry + 4)
    with pytest.raises(FileProblem) as caught:
        check_workbook(io.BytesIO(bytes(data)), ReadLimits(max_uncompressed_mb=1))
    assert "not a valid Excel workbook" in str(caught.value)


def test_too_many_cells_are_refused_before_reading(app, make_engagement):
    app.config["IMPORT_MAX_CELLS"] = 100
    data = xlsx_bytes([HEADER] + [[f"r{n}", 3, ""] for n in range(60)])
    message = problem(make_engagement(), data)
    assert "more than 100 cells" in message
    assert "ASSESS_IMPORT_MAX_CELLS" in message


def test_a_declared_range_padding_rows_counts_as_cells(app, make_engagement):
    """Three real cells, but the sheet declares 16,384 columns: openpyxl pads each
    row to that width, so the cells are counted as rows are read."""
    app.config["IMPORT_MAX_CELLS"] = 40_000
    data = rewrite(xlsx_bytes([["c_ease_easy"], [3], [4]]), SHEET,
                   lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD20"',
                                      xml))
    assert "more than 40,000 cells" in problem(make_engagement(), data)


def test_a_cell_too_long_is_refused(app, make_engagement):
    app.config["IMPORT_MAX_CELL_CHARS"] = 1000
    engagement = make_engagement()
    long_comment = "x" * 1500  # the question allows 2,000
    workbook = xlsx_bytes([HEADER, ["r1", 4, "ok"], ["r2", 4, long_comment]])
    message = problem(engagement, workbook)
    assert "Row 3, column C" in message
    assert "longer than 1,000 characters" in message
    assert "ASSESS_IMPORT_MAX_CELL_CHARS" in message
    text = csv_bytes([HEADER, ["r1", 4, "ok"], ["r2", 4, long_comment]])
    message = problem(engagement, text, "answers.csv")
    assert "longer than 1,000 characters" in message


def test_the_limits_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("ASSESS_IMPORT_MAX_UNCOMPRESSED_MB", "50")
    monkeypatch.setenv("ASSESS_IMPORT_MAX_CELLS", "1000")
    monkeypatch.setenv("ASSESS_IMPORT_MAX_CELL_CHARS", "300")
    app = make_app()
    assert ReadLimits.from_config(app.config) == ReadLimits(50, 1000, 300)
    assert ReadLimits() == ReadLimits(200, 5_000_000, 10_000)  # the documented defaults


def test_a_good_workbook_passes_the_checks(make_engagement):
    engagement = make_engagement()
    report = import_responses(engagement, "customer", io.BytesIO(small_workbook()), "a.xlsx")
    assert report.imported == 2


# -- document type declarations (billion laughs, external entities) -------------------

LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [\n'
    b'<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
)
EXTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
)


def with_dtd(dtd: bytes, entity: bytes, member: str = SHEET) -> bytes:
    return rewrite(small_workbook(), member,
                   lambda xml: dtd + xml.replace(b"<t>Fine.</t>", b"<t>" + entity + b"</t>"))


@pytest.mark.parametrize(
    ("dtd", "entity"), [(LAUGHS, b"&lol9;"), (EXTERNAL, b"&secret;")], ids=["laughs", "xxe"]
)
def test_a_workbook_with_a_dtd_is_refused(make_engagement, dtd, entity):
    message = problem(make_engagement(), with_dtd(dtd, entity))
    assert "document type declaration, which spreadsheets never need" in message


def test_a_dtd_in_any_part_or_in_utf16_is_refused():
    limits = ReadLimits()
    core = with_dtd(EXTERNAL, b"", "docProps/core.xml")
    utf16 = rewrite(small_workbook(), SHEET, lambda xml: (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet>'.encode("utf-16")
        + xml.decode().encode("utf-16-le")))
    for data in (core, utf16):
        with pytest.raises(FileProblem, match="document type declaration"):
            check_workbook(io.BytesIO(data), limits)


def test_xml_in_another_encoding_is_refused():
    data = rewrite(small_workbook(), SHEET,
                   lambda xml: b'<?xml version="1.0" encoding="cp500"?>' + xml)
    with pytest.raises(FileProblem, match="encoding 'cp500'"):
        check_workbook(io.BytesIO(data), ReadLimits())


def test_the_page_refuses_a_dtd_without_an_error(client, auth, make_user, make_engagement):
    user = make_user("consultant")
    auth.login(user.email)
    engagement = make_engagement(created_by=user)
    page = client.post(
        f"/engagements/{engagement.id}/responses/import",
        data={"audience": "customer",
              "file": (io.BytesIO(with_dtd(LAUGHS, b"&lol9;")), "answers.xlsx")},
        content_type="multipart/form-data",
    )
    page = follow_import(client, page)
    assert page.status_code == 200
    assert "document type declaration" in page.get_data(as_text=True)
    assert response_count(engagement.id) == 0


# -- CSV: NUL bytes and unterminated quotes --------------------------------------------


def test_a_nul_byte_after_the_first_8_kb_is_refused_with_its_row(make_engagement):
    rows = [HEADER] + [[f"r{n}", 3, "A comment long enough."] for n in range(1, 501)]
    data = csv_bytes(rows).replace(b"r400,3,A comment", b"r400,3,A com\x00ment")
    assert data.index(b"\x00") > 8192
    message = problem(make_engagement(), data, "answers.csv")
    assert "Row 401 contains a NUL byte" in message


def test_a_nul_byte_in_a_long_header_is_refused():
    data = b",".join([b"c_ease_easy"] * 1000) + b",x\x00\n3\n"
    assert data.index(b"\x00") > 8192
    with pytest.raises(FileProblem, match="Row 1 contains a NUL byte"):
        list(read_rows(io.BytesIO(data), "a.csv", limits=ReadLimits())[1])


def test_an_unterminated_quote_is_refused(make_engagement):
    engagement = make_engagement()
    data = b'respondent,c_ease_easy\r\nr1,3\r\n"r2,4\r\nr3,5\r\n'
    message = problem(engagement, data, "answers.csv")
    assert "Row 3 (line 3) opens a quote" in message
    assert "never closed" in message


@pytest.mark.parametrize(
    "data",
    [
        b'respondent,c_ease_easy,c_open_change\r\nr1,4,"two\r\nlines"',  # no newline at the end
        b'respondent,c_ease_easy,c_open_change\r\nr1,4,"two\r\nlines"\r\n',
        b'respondent,c_ease_easy,c_open_change\r\nr1,4,a 5" screen\r\n',  # a quote in a cell
    ],
)
def test_quotes_that_close_still_import(make_engagement, data):
    engagement = make_engagement()
    report = import_responses(engagement, "customer", io.BytesIO(data), "a.csv")
    assert report.imported == 1
