"""The daily report as an Excel workbook in the offices' layout: title, unit and date, merged
two-level headers, the rows and the totals (合计), the signature lines, A4 landscape."""

from __future__ import annotations

from io import BytesIO

from daily_helpers import (
    COMMUNITY,
    GRID1,
    NANGUAN,
    arrive,
    at_local,
    make_person,
    quarantine,
    today,
)
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.areas.models import Area
from fangkong.reports.sections import load_sections
from fangkong.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_of(content: bytes) -> Worksheet:
    book = load_workbook(BytesIO(content))
    return book.active


def merged(sheet: Worksheet) -> set[str]:
    return {str(item) for item in sheet.merged_cells.ranges}


def test_the_workbook_has_the_offices_layout(db: Session, settings: Settings, as_user) -> None:
    quarantine(db, make_person(db, GRID1), day=today())
    arrive(db, settings, community=COMMUNITY, when=at_local(today(), 8))
    client = as_user("nanguan")
    answer = client.get(f"/reports/daily.xlsx?area={NANGUAN}&day={today().isoformat()}")
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == XLSX
    assert f"daily-{NANGUAN}-{today().isoformat()}.xlsx" in answer.headers["content-disposition"]
    sheet = sheet_of(answer.content)
    sections = load_sections()
    width = 1 + sum(len(section.columns) for section in sections)
    assert sheet["A1"].value == "南关区新型冠状病毒感染的肺炎疫情防控工作日报"
    assert f"A1:{get_column_letter(width)}1" in merged(sheet)
    assert sheet["A2"].value == "填报单位：南关区"
    assert str(sheet.cell(row=2, column=1 + width // 2).value).startswith("日期：")
    assert "A3:A4" in merged(sheet)
    assert sheet["A3"].value == "地区（单位）"
    column = 2
    for section in sections:
        first = sheet.cell(row=3, column=column)
        last = f"{get_column_letter(column + len(section.columns) - 1)}3"
        assert first.value, section.key
        if len(section.columns) > 1:
            assert f"{first.coordinate}:{last}" in merged(sheet)
        for offset in range(len(section.columns)):
            assert sheet.cell(row=4, column=column + offset).value
        column += len(section.columns)
    assert sheet["B4"].value == "户数"  # the registry's households come first
    streets = db.scalars(select(Area.name).where(Area.parent_code == NANGUAN)
                         .order_by(Area.code)).all()
    names = [sheet.cell(row=row, column=1).value for row in range(5, 5 + len(streets))]
    assert names == list(streets)
    total_row = 5 + len(streets)
    assert sheet.cell(row=total_row, column=1).value == "合计"
    assert sheet.cell(row=total_row + 1, column=1).value == "较昨日"
    for index in range(2, width + 1):
        cell = sheet.cell(row=total_row, column=index)
        if cell.number_format == "0.0%":
            continue
        assert cell.value == sum(sheet.cell(row=row, column=index).value or 0
                                 for row in range(5, total_row)), cell.coordinate
    persons = next(index for index in range(2, width + 1)
                   if sheet.cell(row=4, column=index).value == "人员")
    assert sheet.cell(row=total_row, column=persons).value >= 1
    footer = [sheet.cell(row=total_row + 3, column=index).value for index in range(1, width + 1)]
    texts = [text for text in footer if text]
    assert texts[0] == "填报单位：南关区"
    assert texts[1] == "填报人：南关区指挥部"
    assert texts[2] == "审核人："
    assert texts[3] == "报送时间："


def test_the_workbook_prints_on_a4_landscape_in_a_chinese_face(
    db: Session, as_user
) -> None:
    content = as_user("city").get("/reports/daily.xlsx").content
    sheet = sheet_of(content)
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert str(setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$4"
    assert sheet["A1"].font.name == "黑体"
    assert sheet["A5"].font.name == "宋体"
    assert sheet["B5"].border.left.style == "thin"
    assert sheet["B5"].number_format == "#,##0"
    assert sheet["A3"].alignment.horizontal == "center"
    assert sheet.freeze_panes == "B5"


def test_exporting_is_audited_and_needs_the_export_permission(
    db: Session, as_user
) -> None:
    client = as_user("nanguan")
    assert client.get("/reports/daily.xlsx").status_code == 200
    entry = db.scalars(select(AuditEntry).where(AuditEntry.resource == "daily_report",
                                                AuditEntry.action == "export")
                       .order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert entry.area_code == NANGUAN
    assert entry.actor_name == "nanguan"
    assert as_user("grid1").get("/reports/daily.xlsx").status_code == 403
    assert as_user("grid1").get("/api/v1/reports/daily.xlsx").status_code == 403
    assert as_user("nanguan").get("/reports/daily.xlsx?area=220104").status_code == 404
    api = as_user("nanguan").get("/api/v1/reports/daily.xlsx?area=220102001")
    assert api.status_code == 200
    assert sheet_of(api.content)["A1"].value == "南岭街道新型冠状病毒感染的肺炎疫情防控工作日报"
