"""The streaming xlsx reader's quick ways (a row at a time, a learnt expression for a whole row)
give the same rows and cells as reading every cell with the general expression."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fangkong.registry import importer_xlsx, importer_xlsx_rows
from fangkong.registry.importer_xlsx import open_xlsx_stream
from fangkong.tabular import Cell

SHEET = "xl/worksheets/sheet1.xml"


def cell_at_a_time(path: Path) -> list[tuple[int, list[Cell]]]:
    """The general way alone: `_CELL` over the whole sheet, one cell after another."""
    with zipfile.ZipFile(path) as book:
        cells = importer_xlsx_rows.Cells(importer_xlsx._shared_strings(book),
                                     importer_xlsx._date_styles(book),
                                     importer_xlsx.EPOCH_1900)
        xml = book.read(SHEET).decode()
    return [(int(digits), cells.extend([], group))
            for digits, group in groupby(importer_xlsx_rows.CELL.findall(xml), itemgetter(1))]


def streamed(path: Path) -> list[tuple[int, list[Cell]]]:
    with open_xlsx_stream(path) as table:
        return [(row.number, row.cells) for row in table]


def typed(rows: list[tuple[int, list[Cell]]]) -> list[tuple[int, list[tuple[str, Cell]]]]:
    """Rows with each cell's type beside it (1.0 == 1 == True must not pass for the same)."""
    return [(number, [(type(cell).__name__, cell) for cell in cells]) for number, cells in rows]


def with_sheet_xml(tmp_path: Path, rows_xml: str, shared: str = "") -> Path:
    """An openpyxl workbook (its styles: format 1 shows dates) whose sheet XML is replaced;
    with these shared strings (`<si>` elements) if any."""
    book = Workbook()
    book.active["A1"] = date(2020, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == SHEET:
                text = data.decode()
                data = (text[: text.index("<sheetData")] + f"<sheetData>{rows_xml}</sheetData>"
                        + text[text.index("</sheetData>") + len("</sheetData>"):]).encode()
            target.writestr(item, data)
        if shared:
            target.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.'
                            f'org/spreadsheetml/2006/main">{shared}</sst>')
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def roster_row(number: int, *, note: str = "", date_text: str = "22487") -> str:
    cells = [f'<c r="A{number}" t="n"><v>{number}</v></c>', inline(f"B{number}", "郭强"),
             f'<c r="C{number}" s="1" t="n"><v>{date_text}</v></c>',
             inline(f"D{number}", note) if note else f'<c r="D{number}" t="inlineStr" />',
             f'<c r="E{number}" t="b"><v>{number % 2}</v></c>']
    return f'<row r="{number}" spans="1:5">{"".join(cells)}</row>'


@pytest.fixture(params=[64, 1 << 10, 4 << 20], ids=["tiny-chunks", "small-chunks", "one-chunk"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Small chunks make later chunks read with the row expression learnt from earlier ones."""
    monkeypatch.setattr(importer_xlsx_rows, "CHUNK", request.param)
    return int(request.param)


def test_every_shape_of_cell_reads_as_the_general_way_reads_it(tmp_path: Path,
                                                                chunk: int) -> None:
    odd = [
        '<row r="1"><c r="A1" t="inlineStr"><is><t>居民花名册</t></is></c></row>',
        '<row r="2">' + "".join(inline(f"{letter}2", head) for letter, head
                                 in zip("ABCDE", ["序号", "姓名", "出生日期", "备注", "是否"],
                                        strict=True)) + "</row>",
        *(roster_row(number, note="独居" if number % 3 else "") for number in range(3, 40)),
        roster_row(40, note="A&amp;B &lt;1&gt; &#x4E2D;&#25991;"),
        roster_row(41, date_text="22487.5"),
        roster_row(42, date_text=""),
        '<row r="43"><c r="A43"><v>7</v></c><c r="C43" s="1"><v>1</v></c></row>',  # a gap
        '<row r="44"><c r="B44" t="str"><f>A1&amp;"x"</f><v>x&amp;y</v></c>'
        '<c r="C44" t="inlineStr"><is><r><t>富</t></r><r><t xml:space="preserve"> 文本</t></r>'
        "</is></c><c r=\"D44\" t=\"e\"><v>#N/A</v></c></row>",
        '<row r="45"><c r="A45" t="inlineStr"><v>9</v></c><c r="B45" t="n"><is><t>x</t></is>'
        "</c></row>",  # each its value in the other element: ""
        '<row r="46"><c r="A46" s="1" t="n"/><c r="B46" t="b"><v></v></c></row>',
        '<row r="47"><c r="A47" t="n"><v>1</v></c></row><row r="47"><c r="B47"><v>2</v></c>'
        "</row>",  # one row number twice: one row
        *(roster_row(number) for number in range(48, 58)),
        roster_row(58), roster_row(58, note="再"),  # one row number twice, in the row's shape
        roster_row(59), '<row r="59"><c r="G59"><v>5</v></c></row>',  # and in another shape
        '<row r="60"/>', '<row r="61"><c r="C61" t="inlineStr" /></row>', roster_row(62),
        roster_row(64, note="x").replace('r="B64"', 'r="B63"'),  # a cell of another row
        roster_row(65).replace("</row>", "").replace('<row r="65" spans="1:5">', ""),
    ]
    path = with_sheet_xml(tmp_path, "".join(odd))
    rows = streamed(path)
    assert typed(rows) == typed(cell_at_a_time(path))
    by_number = dict(rows)
    assert by_number[3] == [3.0, "郭强", date(1961, 7, 25), "", True]
    assert by_number[4] == [4.0, "郭强", date(1961, 7, 25), "独居", False]
    assert by_number[40][3] == "A&B <1> 中文"
    assert by_number[41][2] == datetime(1961, 7, 25, 12)  # noqa: DTZ001
    assert (by_number[42][2], by_number[43]) == ("", [7.0, "", date(1899, 12, 31)])
    assert by_number[44] == ["", "x&y", "富 文本", ""]
    assert (by_number[45], by_number[46], by_number[47]) == (["", ""], ["", ""], [1.0, 2.0])
    assert (by_number[61], by_number[63], 60 in by_number) == (["", "", ""], ["", "郭强"], False)
    assert by_number[58][5:] == [58.0, "郭强", date(1961, 7, 25), "再", False]
    assert by_number[59][5:] == ["", 5.0]


def test_the_bench_roster_shape_with_pretty_printed_rows(tmp_path: Path, chunk: int) -> None:
    rows_xml = "\n".join(roster_row(number, note="" if number % 4 else "x")
                         for number in range(1, 300))
    path = with_sheet_xml(tmp_path, rows_xml)
    assert typed(streamed(path)) == typed(cell_at_a_time(path))


SHARED = ('<si><t>户籍</t></si><si><t xml:space="preserve"> A&amp;B </t></si>'
          '<si><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r>'
          '<rPh sb="0" eb="1"><t>フ</t></rPh></si><si><t/></si>')


def test_shared_strings_read_as_the_general_way_reads_them(tmp_path: Path, chunk: int) -> None:
    rows_xml = "".join(
        f'<row r="{number}"><c r="A{number}" t="s"><v>{number % 4}</v></c>'
        f'<c r="B{number}" s="1"><v>{number}</v></c>'
        + (f'<c r="C{number}" t="s"><v>{number % 3}</v></c>' if number % 5 else "")
        + f'<c r="D{number}" t="s"/></row>' for number in range(1, 200))
    path = with_sheet_xml(tmp_path, rows_xml, SHARED)
    rows = streamed(path)
    assert typed(rows) == typed(cell_at_a_time(path))
    assert rows[:3] == [(1, [" A&B ", date(1899, 12, 31), " A&B ", ""]),
                        (2, ["富文本", date(1900, 1, 1), "富文本", ""]),
                        (3, ["", date(1900, 1, 2), "户籍", ""])]
    assert rows[4] == (5, [" A&B ", date(1900, 1, 4), "", ""])


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6)
VALUE = st.one_of(
    st.none(), TEXT, st.sampled_from(["户籍", "男", "A&B", "<x>", " 空 "]),
    st.integers(-10**6, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(), st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),  # noqa: DTZ001
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(VALUE, max_size=6), min_size=1, max_size=40).filter(
           lambda rows: any(value is not None for values in rows for value in values)),
       repeat=st.integers(1, 30), chunk=st.sampled_from([48, 512, 4 << 20]))
def test_openpyxl_workbooks_read_as_the_general_way_reads_them(
        rows: list[list[Cell]], repeat: int, chunk: int) -> None:
    """Shared strings, numbers, booleans and dates as openpyxl writes them, rows repeated so
    that row shapes are learnt and reused, in chunks of several sizes."""
    book = Workbook()
    for _ in range(repeat):
        for values in rows:
            book.active.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    original = importer_xlsx_rows.CHUNK
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.xlsx"
        path.write_bytes(buffer.getvalue())
        try:
            importer_xlsx_rows.CHUNK = chunk
            assert typed(streamed(path)) == typed(cell_at_a_time(path))
        finally:
            importer_xlsx_rows.CHUNK = original
