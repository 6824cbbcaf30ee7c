"""The list of households not yet visited as an Excel workbook (openpyxl, streamed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from fangkong.i18n import N_, Translator
from fangkong.screening.schemas import NotVisitedRead, label

COLUMNS = (
    (N_("Household code"), 22), (N_("Grid"), 18), (N_("Address"), 40),
    (N_("Head of household"), 14), (N_("Members"), 8), (N_("Status"), 14),
    (N_("Last visit"), 18),
)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")


def _styled(sheet: object, value: object, *, font: Font | None = None,
            fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    return cell


def not_visited_workbook(*, rows: Sequence[NotVisitedRead], tr: Translator, round_name: str,
                         area_name: str, area_code: str, day: date,
                         grid_names: dict[str, str]) -> bytes:
    """Title row, the round, area and date, a header row, then one row per household."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tr.gettext("Not yet visited"))
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_styled(sheet, tr.gettext("Households not yet visited (不漏一户一人)"),
                          font=TITLE_FONT)])
    sheet.append([tr.gettext("Round: %(name)s", name=round_name),
                  tr.gettext("Area: %(name)s (%(code)s)", name=area_name, code=area_code),
                  tr.gettext("Date: %(day)s", day=tr.date(day)),
                  tr.gettext("Households: %(count)s", count=len(rows))])
    sheet.append([_styled(sheet, tr.gettext(title), font=HEADER_FONT, fill=HEADER_FILL)
                  for title, _ in COLUMNS])
    for row in rows:
        sheet.append([
            row.code, grid_names.get(row.area_code, row.area_code), row.address, row.head_name,
            row.members, tr.gettext(label(row.outcome)) if row.outcome
            else tr.gettext("Not visited"), tr.datetime(row.last_visited_at),
        ])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
