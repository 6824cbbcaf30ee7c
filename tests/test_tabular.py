"""The spreadsheet reader on the kind of files communities really send."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from fangkong.tabular import (
    EmptyTable,
    Encrypted,
    NoHeader,
    Row,
    SheetNotFound,
    Unreadable,
    cell_date,
    detect_encoding,
    find_header,
    is_blank,
    is_total_row,
    lost_precision,
    normalise_cell,
    open_table,
)

ALIASES = {
    "name": ("姓名", "名字"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码"),
    "birth": ("出生日期", "生日"),
    "phone": ("联系电话", "电话"),
}


def xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def community_workbook() -> bytes:
    """A sheet as a community sends it: an empty first sheet, a merged title, a note, a blank
    line, a header with variants and notes, records with numbers for IDs, a total row."""
    book = Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("花名册")
    sheet["A1"] = "南岭街道幸福社区  居民花名册"
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "填报单位：幸福社区"
    sheet.merge_cells("A2:C2")
    sheet.append([])
    sheet.append(["序号", " 姓 名 ", "身份证号码\n（必填）", "出生日期", "联系电话", "备注"])
    sheet.append([1, "王 伟", 110101199003077777, date(1990, 3, 7), 13812345678, None])
    sheet.append([2, "ＬＩ　Ｎａ", "220102198512120021", 31393, "１３９０００００００１", "x"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["合计", None, None, None, None, None])
    return xlsx_bytes(book)


def test_xlsx_header_below_title_rows_and_merged_cells_is_found() -> None:
    with open_table(community_workbook(), "花名册.xlsx") as table:
        assert table.sheet == "花名册"
        header = find_header(table, ALIASES, required={"name", "id_number"})
        assert header.row == 4
        assert header.columns == {1: "name", 2: "id_number", 3: "birth", 4: "phone"}
        rows = list(table)
    first, second = rows[0], rows[1]
    assert first.number == 5
    assert header.record(first.cells)["name"] == "王 伟"
    assert header.record(first.cells)["phone"] == "13812345678"
    assert lost_precision(header.raw(first.cells)["id_number"])
    assert cell_date(header.raw(first.cells)["birth"]) == date(1990, 3, 7)
    assert header.record(second.cells) == {
        "name": "LI Na", "id_number": "220102198512120021", "birth": "31393",
        "phone": "13900000001",
    }
    assert cell_date(header.raw(second.cells)["birth"]) == date(1985, 12, 12)
    assert not lost_precision(header.raw(second.cells)["id_number"])
    assert is_blank(rows[2].cells)
    assert is_total_row(rows[3].cells)
    assert rows[3].number == 8


def test_named_sheet_is_read_and_a_missing_one_refused() -> None:
    data = community_workbook()
    with open_table(data, "x.xlsx", sheet="说明") as table:
        assert table.sheet == "说明"
    with pytest.raises(SheetNotFound):
        open_table(data, "x.xlsx", sheet="没有")


def test_csv_in_gb18030_with_semicolons_and_line_breaks_in_cells() -> None:
    text = '居民名单;;\n姓名;身份证号;电话\n"张\n三";220102198512120021;１３８ 0000 0000\n'
    with open_table(text.encode("gb18030"), "名单.csv") as table:
        assert table.encoding == "gb18030"
        header = find_header(table, ALIASES, required={"name"})
        assert header.row == 2
        (row,) = list(table)
    assert header.record(row.cells) == {
        "name": "张 三", "id_number": "220102198512120021", "phone": "138 0000 0000",
    }


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8-sig")],
)
def test_csv_utf8_with_or_without_bom(prefix: bytes, encoding: str) -> None:
    data = prefix + "姓名,电话\n李四,13800000000\n".encode()
    with open_table(data, "a.csv") as table:
        assert table.encoding == encoding
        header = find_header(table, ALIASES, required={"name"})
        assert header.labels == {"name": "姓名", "phone": "电话"}
        assert [header.record(row.cells) for row in table] == [
            {"name": "李四", "phone": "13800000000"}
        ]


def test_csv_rows_are_numbered_by_record_and_a_bad_byte_further_down_is_unreadable() -> None:
    text = '姓名,备注\n王伟,"两\n行"\n李娜,\n'
    with open_table(text.encode(), "a.csv") as table:
        assert list(table) == [Row(1, ["姓名", "备注"]), Row(2, ["王伟", "两\n行"]),
                               Row(3, ["李娜", ""])]
    data = "姓名\n王伟\n".encode() * 10_000 + b"\xff\n"  # past the sample read for the encoding
    with open_table(data, "a.csv") as table, pytest.raises(Unreadable):
        list(table)


def test_csv_from_a_path_in_utf16_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "导出.txt"
    path.write_bytes("姓名\t电话\n赵六\t131\n".encode("utf-16"))
    with open_table(path, path.name) as table:
        header = find_header(table, ALIASES, required={"name", "phone"})
        assert [header.record(row.cells) for row in table] == [{"name": "赵六", "phone": "131"}]


def test_xlsx_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(community_workbook())
    with open_table(path, path.name) as table:
        assert find_header(table, ALIASES, required={"name"}).row == 4


def test_corrupt_workbook_is_unreadable() -> None:
    data = community_workbook()
    with pytest.raises(Unreadable) as caught:
        open_table(data[: len(data) // 2], "broken.xlsx")
    assert caught.value.code == "tabular.unreadable"


def test_a_zip_that_is_no_workbook_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a spreadsheet")
    with pytest.raises(Unreadable):
        open_table(buffer.getvalue(), "data.xlsx")


def test_binary_file_named_csv_is_unreadable() -> None:
    with pytest.raises(Unreadable):
        open_table(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv")


def test_text_named_xlsx_is_unreadable() -> None:
    with pytest.raises(Unreadable):
        open_table("姓名,电话\n".encode(), "list.xlsx")


def test_password_protected_workbook_is_named_as_such() -> None:
    """Excel stores an encrypted xlsx as an OLE compound file with an EncryptedPackage stream."""
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le")
            + bytes(50) + "EncryptedPackage".encode("utf-16-le") + bytes(2000))
    with pytest.raises(Encrypted) as caught:
        open_table(data, "加密.xlsx")
    assert caught.value.code == "tabular.encrypted"


@pytest.mark.parametrize("data", [b"", b"  \r\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(EmptyTable) as caught:
        open_table(data, "empty.csv")
    assert caught.value.code == "tabular.empty"


def test_workbook_of_empty_sheets_is_empty() -> None:
    book = Workbook()
    book.create_sheet("Sheet2")
    with pytest.raises(EmptyTable):
        open_table(xlsx_bytes(book), "empty.xlsx")


def test_csv_of_blank_lines_has_no_data() -> None:
    with open_table(b",,\n,,\n", "blank.csv") as table, pytest.raises(EmptyTable):
        find_header(table, ALIASES, required={"name"})


def test_no_recognisable_header_names_the_missing_columns() -> None:
    data = "标题\n甲,乙\n1,2\n".encode()
    with open_table(data, "a.csv") as table, pytest.raises(NoHeader) as caught:
        find_header(table, ALIASES, required={"name", "id_number"}, scan=5)
    assert caught.value.code == "tabular.no_header"
    assert caught.value.params == {"columns": "姓名、身份证号码", "scan": 5}


def test_header_below_the_scanned_rows_is_not_found() -> None:
    data = ("x\n" * 40 + "姓名\n张三\n").encode()
    with open_table(data, "a.csv") as table, pytest.raises(NoHeader):
        find_header(table, ALIASES, required={"name"}, scan=30)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  ＡＢＣ１２３　 ", "ABC123"),
        ("南岭\r\n街道\t 办事处", "南岭 街道 办事处"),
        ("\ufeff\u200b王伟\u00a0", "王伟"),
        (220102.0, "220102"),
        (12, "12"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (date(2020, 2, 3), "2020-02-03"),
        (datetime(2020, 2, 3), "2020-02-03"),  # noqa: DTZ001 - a naive Excel cell value
        (datetime(2020, 2, 3, 8, 30), "2020-02-03T08:30:00"),  # noqa: DTZ001 - same
    ],
)
def test_normalise_cell(value: object, text: str) -> None:
    assert normalise_cell(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "lost"),
    [
        (1.1010119900307e17, True),
        ("1.10101E+17", True),
        ("１.１E＋１７", True),
        (220102001001001.0, False),
        ("110101199003077777", False),
        (13812345678, False),
        (True, False),
        (None, False),
    ],
)
def test_lost_precision(value: object, lost: bool) -> None:
    assert lost_precision(value) is lost  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (43864, date(2020, 2, 3)),
        (43864.75, date(2020, 2, 3)),
        ("2020-02-03", date(2020, 2, 3)),
        ("2020/2/3", date(2020, 2, 3)),
        ("2020.02.03", date(2020, 2, 3)),
        ("２０２０年２月３日", date(2020, 2, 3)),
        ("20200203", date(2020, 2, 3)),
        ("2020-02-30", None),
        ("明天", None),
        (0, None),
        (None, None),
    ],
)
def test_cell_date(value: object, day: date | None) -> None:
    assert cell_date(value) == day  # type: ignore[arg-type]


def test_encoding_detection() -> None:
    assert detect_encoding("编码".encode()) == "utf-8"
    assert detect_encoding("编码".encode("gb18030")) == "gb18030"
    # a sample cut in the middle of a multi-byte character is still UTF-8
    assert detect_encoding("南岭街道".encode()[:-1]) == "utf-8"


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="名单">
<table:table-row><table:table-cell office:value-type="string"><text:p>居民名单</text:p>
</table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p>
</table:table-cell><table:table-cell office:value-type="string"><text:p>电话</text:p>
</table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>张三</text:p>
</table:table-cell><table:table-cell office:value-type="float" office:value="13800000000">
<text:p>13800000000</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
<manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def test_ods_spreadsheet() -> None:
    """A minimal OpenDocument spreadsheet as LibreOffice or WPS saves it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"),
                         "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_CONTENT)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    with open_table(buffer.getvalue(), "名单.ods") as table:
        assert (table.kind, table.sheet) == ("ods", "名单")
        header = find_header(table, ALIASES, required={"name"})
        assert header.row == 2
        assert [header.record(row.cells) for row in table] == [
            {"name": "张三", "phone": "13800000000"}]
