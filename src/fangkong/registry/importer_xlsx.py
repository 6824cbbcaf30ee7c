"""Reading a large xlsx sheet as a stream, in bounded memory.

calamine (behind `tabular.open_table`) loads a whole sheet before the first row: about 1 GiB
for a million rows. This reader opens the workbook (its sheets, shared strings and date
formats) and streams the sheet's XML through `importer_xlsx_rows`, so memory holds the shared
strings, one piece of XML and the current rows. It returns the same `tabular.Table` of `Row`s,
with cells as calamine gives them: text, float for numbers, bool, datetime for date-formatted
numbers.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from fangkong.registry.importer_xlsx_rows import Cells, sheet_rows
from fangkong.tabular import EmptyTable, Row, SheetNotFound, Table, Unreadable

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
EPOCH_1900 = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet dates have no zone
EPOCH_1904 = datetime(1904, 1, 1)  # noqa: DTZ001 - spreadsheet dates have no zone
# Built-in number formats that show dates: 14–22 and 45–47, and the CJK ones 27–36, 50–58.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_DATE_CODE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _read_xml(book: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        with book.open(name) as handle:
            return ElementTree.parse(handle).getroot()  # noqa: S314 - a user's own workbook
    except KeyError:
        return None


def _sheet_paths(book: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Sheet name → its XML path inside the zip, in workbook order; and the 1904 date flag."""
    workbook = _read_xml(book, "xl/workbook.xml")
    rels = _read_xml(book, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        raise Unreadable()
    targets = {rel.get("Id"): str(rel.get("Target", ""))
               for rel in rels.iter(f"{RELS}Relationship")}
    paths: dict[str, str] = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{DOC_RELS}id"), "")
        paths[str(sheet.get("name"))] = target.lstrip("/") if target.startswith("/") \
            else f"xl/{target}"
    properties = workbook.find(f"{MAIN}workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    return paths, date1904


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    strings: list[str] = []
    try:
        handle = book.open("xl/sharedStrings.xml")
    except KeyError:
        return strings
    with handle:
        for _event, element in ElementTree.iterparse(handle):  # noqa: S314 - own workbook
            if element.tag == f"{MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{MAIN}t")
                                       if not _in_phonetic(element, t)))
                element.clear()
    return strings


def _in_phonetic(si: ElementTree.Element, text: ElementTree.Element) -> bool:
    return any(text in list(run.iter()) for run in si.iter(f"{MAIN}rPh"))


def _shows_date(number_format: int, code: str) -> bool:
    if number_format in DATE_FORMAT_IDS:
        return True
    bare = _DATE_CODE.sub("", code).lower()
    return "general" not in bare and any(letter in bare for letter in "ymdhs")


def _date_styles(book: zipfile.ZipFile) -> frozenset[int]:
    """The cell formats (the `s` of a cell) that show numbers as dates."""
    styles = _read_xml(book, "xl/styles.xml")
    if styles is None:
        return frozenset()
    custom = {int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
              for fmt in styles.iter(f"{MAIN}numFmt")}
    xfs = styles.find(f"{MAIN}cellXfs")
    return frozenset(index for index, xf in enumerate(xfs if xfs is not None else ())
                     if _shows_date(int(xf.get("numFmtId", "0")),
                                    custom.get(int(xf.get("numFmtId", "0")), "")))


def _pick(book: zipfile.ZipFile, paths: dict[str, str], sheet: str | None) -> str:
    if sheet is not None:
        if sheet not in paths:
            raise SheetNotFound()
        return sheet
    for name, path in paths.items():
        with book.open(path) as handle:
            if b"<c " in handle.read(1 << 18):
                return name
    raise EmptyTable()


def open_xlsx_stream(path: Path, *, sheet: str | None = None) -> Table:
    """A sheet of an xlsx file as a stream of rows; Unreadable for a damaged file."""
    try:
        book = zipfile.ZipFile(path)
        paths, date1904 = _sheet_paths(book)
        name = _pick(book, paths, sheet)
        cells = Cells(_shared_strings(book), _date_styles(book),
                       EPOCH_1904 if date1904 else EPOCH_1900)
        handle = book.open(paths[name])
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError) as error:
        raise Unreadable() from error
    rows = _guarded(sheet_rows(handle, cells))
    return Table(kind="xlsx", rows=rows, sheet=name, _closers=[book.close, handle.close])


def sheet_names(path: Path) -> list[str]:
    """The sheet names of an xlsx file, in workbook order."""
    try:
        with zipfile.ZipFile(path) as book:
            return list(_sheet_paths(book)[0])
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as error:
        raise Unreadable() from error


def _guarded(rows: Iterator[Row]) -> Iterator[Row]:
    try:
        yield from rows
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, IndexError) as error:
        raise Unreadable() from error
