"""Reading a large xlsx sheet as a stream, in bounded memory.

calamine (behind `tabular.open_table`) loads a whole sheet before the first row: about 1 GiB
for a million rows. This reader decompresses the sheet's XML in chunks and pulls the cells out
with one regular expression per chunk, so memory holds the shared strings, one chunk and the
current rows. It returns the same `tabular.Table` of `Row`s, with cells as calamine gives
them: text, float for numbers, bool, datetime for date-formatted numbers.
"""

from __future__ import annotations

import codecs
import html
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from fangkong.tabular import Cell, EmptyTable, Row, SheetNotFound, Table, Unreadable

CHUNK = 4 << 20
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
EPOCH_1900 = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet dates have no zone
EPOCH_1904 = datetime(1904, 1, 1)  # noqa: DTZ001 - spreadsheet dates have no zone
# Built-in number formats that show dates: 14–22 and 45–47, and the CJK ones 27–36, 50–58.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t>'
    r"</is>|(.*?))</c>)", re.DOTALL)
_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>")
_VALUE = re.compile(r"<v>([^<]*)</v>")
_TYPE = re.compile(r'\bt="(\w+)"')
_STYLE = re.compile(r'\bs="(\d+)"')
_DATE_CODE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


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


INLINE, SHARED, NUMBER, DATE, TEXT, BOOL, ERROR = range(7)
_KINDS = {"inlineStr": INLINE, "s": SHARED, "n": NUMBER, "str": TEXT, "d": TEXT, "b": BOOL,
          "e": ERROR}


class _Cells:
    """Turns the regular expression's matches into cell values."""

    def __init__(self, strings: list[str], dates: frozenset[int], epoch: datetime) -> None:
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.kinds: dict[str, int] = {"": NUMBER}
        self.columns: dict[str, int] = {}

    def kind(self, attributes: str) -> int:
        found = self.kinds.get(attributes)
        if found is None:
            kind, style = _TYPE.search(attributes), _STYLE.search(attributes)
            found = _KINDS.get(kind[1] if kind else "n", ERROR)
            if found == NUMBER and style is not None and int(style[1]) in self.dates:
                found = DATE
            self.kinds[attributes] = found
        return found

    def value(self, kind: int, value: str, inline: str, body: str) -> Cell:
        """A cell's value; `value`/`inline` are the captured <v>/<is><t> texts, `body` the
        element's content when it has another shape (formulas, rich text)."""
        if body:
            if kind == INLINE:
                inline = "".join(_TEXT.findall(body))
            else:
                match = _VALUE.search(body)
                value = match[1] if match else ""
        if kind == INLINE:
            return html.unescape(inline) if "&" in inline else inline
        if not value or kind == ERROR:
            return ""
        if kind == SHARED:
            return self.strings[int(value)]
        if kind == TEXT:
            return html.unescape(value) if "&" in value else value
        if kind == BOOL:
            return value == "1"
        return self.number(value, kind)

    def number(self, value: str, kind: int) -> Cell:
        """A number, or for a date-formatted cell its date (with the time when it has one)."""
        number = float(value)
        if kind == NUMBER:
            return number
        moment = self.epoch + timedelta(days=number)
        return moment.date() if number.is_integer() else moment

    def column(self, letters: str) -> int:
        index = self.columns.get(letters)
        if index is None:
            index = self.columns[letters] = _column_index(letters)
        return index


def _chunks(handle: IO[bytes]) -> Iterator[str]:
    """The sheet XML in pieces that end after a `</row>` (the last piece: whatever is left)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""
    while block := handle.read(CHUNK):
        text = carry + decoder.decode(block)
        cut = text.rfind("</row>")
        if cut < 0:
            carry = text
            continue
        yield text[: cut + 6]
        carry = text[cut + 6 :]
    yield carry + decoder.decode(b"", final=True)


def _rows(handle: IO[bytes], cells: _Cells) -> Iterator[Row]:
    """The rows with cells, in order; the common cells (inline text, numbers, shared strings
    without a gap before them) take the short way."""
    number, row = "", list[Cell]()
    columns, kinds, strings = cells.columns, cells.kinds, cells.strings
    for chunk in _chunks(handle):
        for letters, digits, attributes, value, inline, body in _CELL.findall(chunk):
            if digits != number:
                if row:
                    yield Row(int(number), row)
                number, row = digits, []
            if columns.get(letters) != len(row) and cells.column(letters) > len(row):
                row.extend([""] * (cells.column(letters) - len(row)))
            kind = kinds.get(attributes)
            if kind is None:
                kind = cells.kind(attributes)
            if body or "&" in inline or "&" in value:
                row.append(cells.value(kind, value, inline, body))
            elif kind == INLINE:
                row.append(inline)
            elif kind == SHARED and value:
                row.append(strings[int(value)])
            elif kind == NUMBER and value:
                row.append(float(value))
            else:
                row.append(cells.value(kind, value, inline, body))
    if row:
        yield Row(int(number), row)


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
        cells = _Cells(_shared_strings(book), _date_styles(book),
                       EPOCH_1904 if date1904 else EPOCH_1900)
        handle = book.open(paths[name])
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError) as error:
        raise Unreadable() from error
    rows = _guarded(_rows(handle, cells))
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
