"""The one spreadsheet reader: CSV (UTF-8, UTF-16 or GB18030), xlsx, xls and ods, row by row.

Every importer (area trees, population registries, lab results) opens a file with `open_table`,
finds its header row with `find_header` (title rows, merged cells and blank lines above it are
skipped; Chinese header variants are matched through aliases) and turns each row into a record
of normalised strings (`normalise_cell`: full-width → half-width, trimmed, whitespace collapsed,
integral floats without `.0`). What cannot be read raises an `Invalid` subclass with a code.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, NamedTuple, Self

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, PasswordError

from fangkong.errors import Invalid
from fangkong.i18n import N_

Cell = str | int | float | bool | date | datetime | time | timedelta | None

SAMPLE_BYTES = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
DELIMITERS = (",", "\t", ";", "|")
EXACT_DIGITS = 15  # Excel keeps 15 significant digits; longer numbers have lost their tail
EXCEL_EPOCH = date(1899, 12, 30)
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计", "总数", "total", "sum"})
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_HEADER_NOISE = re.compile(r"[\s*:：]|\(.*?\)|\[.*?\]|【.*?】")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


class TabularError(Invalid):
    code = "tabular.invalid"


class Unreadable(TabularError):
    code = "tabular.unreadable"

    @classmethod
    def default_message(cls) -> str:
        return N_("This file cannot be read. Upload a CSV, XLSX, XLS or ODS file.")


class Encrypted(TabularError):
    code = "tabular.encrypted"

    @classmethod
    def default_message(cls) -> str:
        return N_("This file is protected by a password. Save it without one and upload it again.")


class EmptyTable(TabularError):
    code = "tabular.empty"

    @classmethod
    def default_message(cls) -> str:
        return N_("This file contains no data.")


class NoHeader(TabularError):
    code = "tabular.no_header"

    @classmethod
    def default_message(cls) -> str:
        return N_("No header row was found in the first rows of the file.")


class SheetNotFound(TabularError):
    code = "tabular.no_sheet"

    @classmethod
    def default_message(cls) -> str:
        return N_("The file has no sheet of this name.")


MISSING_COLUMNS = N_(
    "No header row with the columns %(columns)s was found in the first %(scan)s rows."
)


class Row(NamedTuple):
    number: int  # 1-based, as a spreadsheet program shows it
    cells: list[Cell]


@dataclass
class Table:
    """Rows of one sheet or CSV file, read once from top to bottom; close it when done.

    A Table is its own iterator: `find_header(table, ...)` consumes the rows down to the header
    and a following `for row in table` goes on with the first row below it.
    """

    kind: str
    rows: Iterator[Row]
    sheet: str | None = None
    encoding: str | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Row]:
        return self.rows

    def __next__(self) -> Row:
        return next(self.rows)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_table(
    source: bytes | str | Path, filename: str = "", *, sheet: str | None = None
) -> Table:
    """Open a CSV or spreadsheet given as bytes or a path; the format comes from its content."""
    head = source[:SAMPLE_BYTES] if isinstance(source, bytes) else _read_head(Path(source))
    if not head.strip():
        raise EmptyTable()
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _open_workbook(source, filename, sheet)
    if filename.lower().endswith((".xlsx", ".xls", ".xlsm", ".ods")):
        raise Unreadable()
    return _open_csv(source, head)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except OSError as error:
        raise Unreadable() from error


# --- spreadsheets --------------------------------------------------------------------------


def _open_workbook(source: bytes | str | Path, filename: str, sheet: str | None) -> Table:
    try:
        book = (CalamineWorkbook.from_filelike(io.BytesIO(source)) if isinstance(source, bytes)
                else CalamineWorkbook.from_path(str(source)))
    except PasswordError as error:
        raise Encrypted() from error
    except CalamineError as error:
        raise (Encrypted() if _is_encrypted(source) else Unreadable()) from error
    try:
        chosen = _pick_sheet(book, sheet)
    except (PasswordError, CalamineError) as error:
        book.close()
        raise Unreadable() from error
    except TabularError:
        book.close()
        raise
    rows = (Row(index + 1, list(cells)) for index, cells in enumerate(chosen.iter_rows()))
    kind = Path(filename).suffix.lower().lstrip(".") or "spreadsheet"
    return Table(kind=kind, rows=rows, sheet=chosen.name, _closers=[book.close])


def _pick_sheet(book: CalamineWorkbook, name: str | None) -> CalamineSheet:
    if name is not None:
        if name not in book.sheet_names:
            raise SheetNotFound()
        return book.get_sheet_by_name(name)
    for meta in book.sheets_metadata:
        candidate = book.get_sheet_by_name(meta.name)
        if candidate.start is not None and candidate.height > 0:
            return candidate
    raise EmptyTable()


def _is_encrypted(source: bytes | str | Path) -> bool:
    """An encrypted Office file is an OLE container holding an `EncryptedPackage` stream."""
    if isinstance(source, bytes):
        return source.startswith(OLE_MAGIC) and ENCRYPTED_MARKER in source
    with Path(source).open("rb") as handle:
        if handle.read(8) != OLE_MAGIC:
            return False
        tail = b""
        while chunk := handle.read(1 << 20):
            if ENCRYPTED_MARKER in tail + chunk:
                return True
            tail = chunk[-len(ENCRYPTED_MARKER):]
    return False


# --- CSV -----------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; Unreadable for binary."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise Unreadable()
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise Unreadable()


def detect_delimiter(text: str) -> str:
    """The candidate separator seen most often in the sample; a comma when none is seen."""
    lines = text.splitlines()[:50]
    counts = {sep: sum(line.count(sep) for line in lines) for sep in DELIMITERS}
    best = max(DELIMITERS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _open_csv(source: bytes | str | Path, head: bytes) -> Table:
    encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="ignore")
    delimiter = detect_delimiter(sample)
    handle: IO[str]
    if isinstance(source, bytes):
        handle = io.TextIOWrapper(io.BytesIO(source), encoding=encoding, newline="")
    else:
        handle = Path(source).open(encoding=encoding, newline="")  # noqa: SIM115 - closed by Table
    rows = _csv_rows(handle, delimiter)
    return Table(kind="csv", rows=rows, encoding=encoding, _closers=[handle.close])


def _csv_rows(handle: IO[str], delimiter: str) -> Iterator[Row]:
    """The records of a CSV file numbered from 1, each with the reader's list of cells (a new
    list for each record, kept as it is), made in C (`map`) without a Python loop."""
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        yield from map(Row, itertools.count(1), reader)  # type: ignore[arg-type] # str cells
    except (UnicodeDecodeError, csv.Error) as error:
        raise Unreadable() from error


# --- cells ---------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width), invisible marks dropped, whitespace collapsed, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def normalise_cell(value: Cell) -> str:
    """A cell as clean text: integral floats lose their `.0`, dates become ISO dates."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return _plain_cell(value)


def _plain_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def lost_precision(value: Cell) -> bool:
    """A long number kept by Excel as a float (an ID number typed into a number cell) or shown
    in scientific notation: its last digits are gone and cannot be recovered from the file."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return bool(abs(value) >= 10**EXACT_DIGITS)
    if isinstance(value, str):
        return bool(_SCIENTIFIC.match(normalise_text(value)))
    return False


def cell_date(value: Cell) -> date | None:
    """A date from a date cell, an Excel serial number or text like 2020-02-03 / 2020年2月3日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_date(value)
    if isinstance(value, str):
        return _text_date(normalise_text(value))
    return None


def _serial_date(serial: float) -> date | None:
    if not 1 <= serial < 2958466:
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _text_date(text: str) -> date | None:
    match = _DATE_TEXT.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def is_blank(cells: Iterable[Cell]) -> bool:
    return all(normalise_cell(cell) == "" for cell in cells)


def is_total_row(cells: Iterable[Cell]) -> bool:
    """A summary line at the bottom of a sheet (合计, 总计 …) rather than a record."""
    first = next((text for text in map(normalise_cell, cells) if text), "")
    return header_key(first) in TOTAL_WORDS


# --- header --------------------------------------------------------------------------------


def header_key(text: str) -> str:
    """A header cell reduced for matching: no spaces, colons, asterisks or bracketed notes."""
    return _HEADER_NOISE.sub("", normalise_text(text)).lower()


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """Where the header is and which column holds which field; other columns are ignored."""

    row: int
    columns: dict[int, str]
    labels: dict[str, str]

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    def raw(self, cells: list[Cell]) -> dict[str, Cell]:
        return {name: cells[index] if index < len(cells) else None
                for index, name in self.columns.items()}

    def record(self, cells: list[Cell]) -> dict[str, str]:
        return {name: normalise_cell(value) for name, value in self.raw(cells).items()}


def match_columns(cells: list[Cell], aliases: dict[str, tuple[str, ...]]) -> HeaderMatch:
    """Map each column whose header is an alias of a field to that field (first one wins)."""
    lookup = {header_key(alias): name for name, names in aliases.items() for alias in names}
    columns: dict[int, str] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(cells):
        name = lookup.get(header_key(normalise_cell(cell)))
        if name is not None and name not in labels:
            columns[index] = name
            labels[name] = normalise_cell(cell)
    return HeaderMatch(row=0, columns=columns, labels=labels)


def find_header(
    rows: Iterable[Row], aliases: dict[str, tuple[str, ...]], required: set[str], scan: int = 30
) -> HeaderMatch:
    """The first of the first `scan` rows that names every required field.

    The first alias of a field is its label in error messages. Raises EmptyTable when the rows
    hold nothing and NoHeader when no row names every required field.
    """
    best: HeaderMatch | None = None
    seen_any = False
    for row in _first_rows(rows, scan):
        if is_blank(row.cells):
            continue
        seen_any = True
        match = match_columns(row.cells, aliases)
        if required <= match.fields:
            return HeaderMatch(row=row.number, columns=match.columns, labels=match.labels)
        if best is None or len(match.fields & required) > len(best.fields & required):
            best = match
    if not seen_any:
        raise EmptyTable()
    missing = required - (best.fields if best else set())
    columns = "、".join(sorted(aliases[name][0] for name in missing))
    raise NoHeader(MISSING_COLUMNS, params={"columns": columns, "scan": scan})


def _first_rows(rows: Iterable[Row], scan: int) -> Iterator[Row]:
    iterator = iter(rows)
    for _ in range(scan):
        try:
            yield next(iterator)
        except StopIteration:
            return
