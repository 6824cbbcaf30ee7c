"""The daily report as an Excel workbook in the layout offices use (openpyxl): the title, the
reporting unit and the date, two header rows (sections over their columns, merged), one row
per area, the totals row (合计) and its change since the day before, then the lines 填报单位,
填报人, 审核人 and 报送时间; printed on A4 landscape, one page wide, headers on every page."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from fangkong.i18n import N_, Translator
from fangkong.reports.daily_schemas import ColumnRead, DailyReportRead, RowRead

TITLE = N_("%(area)s daily report on the prevention and control of the novel coronavirus "
           "pneumonia epidemic")
SERIF = "宋体"  # SimSun: the body face of Chinese office documents
HEI = "黑体"  # SimHei: titles and headers
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
LATE_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
DELTA_FORMAT = "+#,##0;-#,##0;0"
POINTS_FORMAT = "+0.0;-0.0;0"
HEADER_ROWS = (3, 4)
FIRST_DATA_ROW = 5


@dataclass(frozen=True, slots=True)
class Signature:
    """The lines under the table: who reports, who filled it in and reviewed it, and when."""

    unit: str
    filled_by: str = ""
    reviewed_by: str = ""
    submitted_at: str = ""


def sheet_title(report: DailyReportRead, tr: Translator) -> str:
    return tr.gettext(TITLE, area=report.area_name)


def _cell(sheet: Any, row: int, column: int, value: object, *, font: Font | None = None,
          fill: PatternFill | None = None, number_format: str | None = None,
          align: Alignment | None = None, border: bool = True) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.font = font or Font(name=SERIF, size=10)
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if align is not None:
        cell.alignment = align
    if border:
        cell.border = BOX


def _merge(sheet: Any, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    if (first_row, first_col) != (last_row, last_col):
        sheet.merge_cells(start_row=first_row, start_column=first_col, end_row=last_row,
                          end_column=last_col)


def _heading(sheet: Any, report: DailyReportRead, tr: Translator, width: int) -> None:
    _cell(sheet, 1, 1, sheet_title(report, tr), font=Font(name=HEI, size=16, bold=True),
          align=CENTER, border=False)
    _merge(sheet, 1, 1, 1, width)
    sheet.row_dimensions[1].height = 36
    half = max(1, width // 2)
    _cell(sheet, 2, 1, tr.gettext("Reporting unit: %(name)s", name=report.area_name),
          border=False, font=Font(name=SERIF, size=11))
    _merge(sheet, 2, 1, 2, half)
    day = format_date(report.day, format="long", locale=tr.locale)
    _cell(sheet, 2, half + 1, tr.gettext("Date: %(day)s", day=day), border=False,
          font=Font(name=SERIF, size=11), align=Alignment(horizontal="right"))
    _merge(sheet, 2, half + 1, 2, width)


def _headers(sheet: Any, report: DailyReportRead, tr: Translator) -> None:
    bold = Font(name=HEI, size=10, bold=True)
    top, bottom = HEADER_ROWS
    _cell(sheet, top, 1, tr.gettext("Area (unit)"), font=bold, fill=HEAD_FILL, align=CENTER)
    _cell(sheet, bottom, 1, None, fill=HEAD_FILL)
    _merge(sheet, top, 1, bottom, 1)
    labels = {column.key: column for column in report.columns}
    index = 2
    for section in report.sections:
        first = index
        for key in section.columns:
            _cell(sheet, top, index, tr.gettext(section.label) if index == first else None,
                  font=bold, fill=HEAD_FILL, align=CENTER)
            _cell(sheet, bottom, index, tr.gettext(labels[key].label), font=bold,
                  fill=HEAD_FILL, align=CENTER)
            index += 1
        _merge(sheet, top, first, top, index - 1)
    sheet.row_dimensions[bottom].height = 42


def _number(column: ColumnRead, value: object, *, delta: bool) -> tuple[object, str]:
    if column.kind == "percent":
        if delta:
            return value, POINTS_FORMAT
        return (None if value is None else float(str(value)) / 100), PERCENT_FORMAT
    return value, DELTA_FORMAT if delta else COUNT_FORMAT


def _line(sheet: Any, number: int, label: str, row: RowRead, columns: list[ColumnRead], *,
          font: Font, fill: PatternFill | None = None, delta: bool = False) -> None:
    _cell(sheet, number, 1, label, font=font, fill=fill)
    for index, column in enumerate(columns, start=2):
        source = row.deltas if delta else row.values
        value, number_format = _number(column, source.get(column.key), delta=delta)
        _cell(sheet, number, index, value, font=font, fill=fill, number_format=number_format)


def _row_label(row: RowRead, tr: Translator) -> str:
    return tr.gettext("%(name)s (own level)", name=row.name) if row.own else row.name


def _body(sheet: Any, report: DailyReportRead, tr: Translator) -> int:
    """The rows, the totals and their change; returns the last row used."""
    plain, bold = Font(name=SERIF, size=10), Font(name=SERIF, size=10, bold=True)
    number = FIRST_DATA_ROW
    for row in report.rows:
        late = not row.recorded or row.missing > 0
        _line(sheet, number, _row_label(row, tr), row, report.columns, font=plain,
              fill=LATE_FILL if late else None)
        number += 1
    _line(sheet, number, tr.gettext("Total"), report.total, report.columns, font=bold,
          fill=HEAD_FILL)
    _line(sheet, number + 1, tr.gettext("Change since the previous day"), report.total,
          report.columns, font=plain, delta=True)
    return number + 1


def _signature(sheet: Any, row: int, width: int, signature: Signature, tr: Translator) -> None:
    texts = [tr.gettext("Reporting unit: %(name)s", name=signature.unit),
             tr.gettext("Filled in by: %(name)s", name=signature.filled_by),
             tr.gettext("Reviewed by: %(name)s", name=signature.reviewed_by),
             tr.gettext("Submitted at: %(time)s", time=signature.submitted_at)]
    block = max(1, width // len(texts))
    for index, text in enumerate(texts):
        first = 1 + index * block
        last = width if index == len(texts) - 1 else first + block - 1
        _cell(sheet, row, min(first, width), text, font=Font(name=SERIF, size=11),
              border=False, align=Alignment(horizontal="left", vertical="center"))
        if first <= width:
            _merge(sheet, row, first, row, max(first, last))
    sheet.row_dimensions[row].height = 28


def _page_setup(sheet: Any, width: int, tr: Translator) -> None:
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROWS[0]}:{HEADER_ROWS[1]}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.oddFooter.center.text = tr.gettext("Page &P of &N")
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=2)
    sheet.column_dimensions["A"].width = 18
    for index in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 10


def daily_workbook(report: DailyReportRead, *, tr: Translator, signature: Signature) -> bytes:
    """The workbook of one report (labels translated for `tr`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = tr.gettext("Daily report")
    width = 1 + len(report.columns)
    _heading(sheet, report, tr, width)
    _headers(sheet, report, tr)
    last = _body(sheet, report, tr)
    _signature(sheet, last + 2, width, signature, tr)
    _page_setup(sheet, width, tr)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
