"""Importing an area tree from CSV or Excel: idempotent upsert, parents first, row reasons."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.areas.actions import do_import_areas
from fangkong.areas.importer import read_area_rows, rejected_csv, translate_report
from fangkong.areas.models import Area
from fangkong.areas.schemas import AreaRow
from fangkong.errors import Forbidden
from fangkong.i18n import Translator
from fangkong.permissions import Role
from fangkong.scope import SYSTEM, Actor
from fangkong.tabular import EmptyTable, NoHeader, Unreadable

ZH = Translator("zh_Hans", ZoneInfo("Asia/Shanghai"))


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def reasons(report: object) -> dict[int, str]:
    return {item.row: item.reason for item in report.rejected}  # type: ignore[attr-defined]


def import_audits(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.resource == "area", AuditEntry.action == "import")) or 0


def test_new_street_with_communities_in_any_order_with_chinese_headers(db: Session) -> None:
    data = csv_bytes([
        ["区划代码", "区划名称", "层级", "上级代码", "人口"],
        ["220102099001001", "第一网格", "网格", "", "800"],
        ["220102099001", "试点社区", "社区", "220102099", ""],
        ["220102099", "试点街道", "街道", "220102", "2000"],
    ], "gb18030")
    rows = read_area_rows(data, "新区划.csv")
    assert [row.row for row in rows] == [2, 3, 4]
    report = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (3, 0, 0, [])
    grid = db.get(Area, "220102099001001")
    assert grid is not None
    assert (grid.level, grid.parent_code, grid.population) == ("grid", "220102099001", 800)
    assert db.get(Area, "220102099").pinyin == "sdjd"  # type: ignore[union-attr]


def test_import_is_idempotent_and_reports_updates(db: Session) -> None:
    rows = [AreaRow(row=2, code="220102098", name="新街道", population="10"),
            AreaRow(row=3, code="220102098001", name="新社区")]
    imports_before = import_audits(db)
    first = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert first.added == 2
    again = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    renamed = [rows[0].model_copy(update={"population": "12"}),
               rows[1].model_copy(update={"name": "新名社区"})]
    third = do_import_areas(db, actor=SYSTEM, rows=renamed)
    assert (third.added, third.updated, third.unchanged) == (0, 2, 0)
    assert db.get(Area, "220102098").population == 12  # type: ignore[union-attr]
    assert db.get(Area, "220102098001").name == "新名社区"  # type: ignore[union-attr]
    updates = db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.resource == "area", AuditEntry.record_id == "220102098001",
        AuditEntry.action == "update"))
    assert updates == 1
    assert import_audits(db) == imports_before + 3


def test_level_and_parent_derived_from_the_code_and_zero_padding(db: Session) -> None:
    rows = [
        AreaRow(row=2, code="220102097000", name="补零街道"),  # 12-digit statistical code
        AreaRow(row=3, code="220102097001", name="补零社区", level="居委会",
                parent_code="220102097000"),
        AreaRow(row=4, code="220102097001001", name="第一网格", level="grid"),
    ]
    report = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert report.added == 3, report.rejected
    street = db.get(Area, "220102097")
    assert street is not None
    assert (street.level, street.parent_code) == ("street", "220102")
    assert db.get(Area, "220102097001").parent_code == "220102097"  # type: ignore[union-attr]


def test_rejected_rows_have_reasons_and_take_their_children(db: Session) -> None:
    rows = [
        AreaRow(row=2, code="22010209", name="七位代码"),
        AreaRow(row=3, code="220102096", name=""),
        AreaRow(row=4, code="220102096001", name="孤儿社区"),
        AreaRow(row=5, code="220102095", name="好街道", level="乡镇"),
        AreaRow(row=6, code="220102095001", name="好社区", level="星球"),
        AreaRow(row=7, code="220102095", name="重复街道"),
        AreaRow(row=8, code="220199001", name="无父街道"),
        AreaRow(row=9, code="220102095002", name="错父社区", parent_code="220102001"),
        AreaRow(row=10, code="220102095003", name="人口不对", population="很多"),
        AreaRow(row=11, code="220102001", name="南岭街道", level="community"),
        AreaRow(row=12, code="2201020x5", name="字母"),
        AreaRow(row=13, code="220102001", name="南岭街道", parent_code="220103"),
    ]
    report = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert report.added == 1
    assert reasons(report) == {
        2: "No level has codes of %(digits)s digits.",
        3: "The name is missing.",
        4: "The parent area %(parent)s was rejected.",
        6: "Unknown level %(level)s.",
        7: "This code appears twice in the file; first in row %(row)s.",
        8: "The parent area %(parent)s does not exist.",
        9: "The code must extend the parent's code.",
        10: "The population must be a whole number from 0 to 100,000,000.",
        11: "The code does not have the number of digits of its level.",
        12: "The code must consist of digits only.",
        13: "The code must extend the parent's code.",
    }
    by_row = {item.row: item for item in report.rejected}
    assert by_row[4].params == {"parent": "220102096"}
    assert by_row[7].params == {"row": "5"}
    assert db.get(Area, "220102096001") is None
    translated = translate_report(report, ZH)
    assert {item.row: item.message for item in translated.rejected}[4] == (
        "上级区划 220102096 被拒绝。")


def test_existing_area_cannot_move_through_import(db: Session) -> None:
    report = do_import_areas(db, actor=SYSTEM, rows=[
        AreaRow(row=2, code="220102001001", name="幸福社区", level="community",
                parent_code="220102001"),
    ])
    assert report.unchanged + report.updated == 1
    moved = do_import_areas(db, actor=SYSTEM, rows=[
        AreaRow(row=2, code="220102001001001", name="升级", level="community"),
    ])
    assert reasons(moved) == {2: "The code does not have the number of digits of its level."}


def test_only_area_writers_import(db: Session) -> None:
    commander = Actor(user_id=None, username="city", role=Role.COMMANDER, area_code="2201")
    with pytest.raises(Forbidden):
        do_import_areas(db, actor=commander, rows=[])


def test_xlsx_with_title_rows_and_numeric_codes(db: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "南关区新增区划"
    sheet.merge_cells("A1:D1")
    sheet.append(["统计用区划代码", "名称", "级别", "人口数"])
    sheet.append([220102094, "数字街道", "街道", 100])
    sheet.append([220102094001, " 数字\n社区 ", "社区", "1,200"])
    sheet.append([None, None, None, None])
    sheet.append(["合计", None, None, 1300])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_area_rows(buffer.getvalue(), "区划.xlsx")
    assert [(row.row, row.code, row.name) for row in rows] == [
        (3, "220102094", "数字街道"), (4, "220102094001", "数字 社区")]
    report = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert report.added == 2
    assert db.get(Area, "220102094001").population == 1200  # type: ignore[union-attr]


def test_code_that_lost_digits_in_excel_is_rejected(db: Session) -> None:
    rows = read_area_rows(csv_bytes([["代码", "名称"], ["2.20102E+14", "科学计数"]]), "a.csv")
    report = do_import_areas(db, actor=SYSTEM, rows=rows)
    assert reasons(report) == {
        2: "The code was stored as a number and lost digits; store the column as text."}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyTable),
        (b"\x00\x01\x02binary", Unreadable),
        ("名称,人口\n南岭,1\n".encode(), NoHeader),
        ("代码,名称\n".encode(), EmptyTable),
        (b"PK\x03\x04broken", Unreadable),
    ],
)
def test_unreadable_files_change_nothing(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_area_rows(data, "file.csv")


def test_rejected_rows_as_csv_with_reasons_and_no_formulas(db: Session) -> None:
    report = do_import_areas(db, actor=SYSTEM, rows=[
        AreaRow(row=5, code="220199001", name="=HYPERLINK(1)")])
    text = rejected_csv(translate_report(report, ZH))
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == ["code", "name", "level", "parent_code", "population", "row", "reason"]
    assert lines[1][:2] == ["220199001", "'=HYPERLINK(1)"]
    assert lines[1][5] == "5"
    assert "220199" in lines[1][6]
    again = read_area_rows(text.encode(), "rejected.csv")
    assert again[0].code == "220199001"
