"""Turning the XML of a large xlsx sheet into rows of cell values, in bounded memory
(`importer_xlsx` opens the workbook and gives the shared strings and the date formats).

The sheet's XML is decompressed in pieces that end after a row, and the cells are pulled out
with regular expressions. The first rows are read a cell at a time; their shape (which
columns, with which attributes) becomes one expression for a whole row, which reads the many
rows of a roster in one match each (`_Reader`). The cells are as calamine gives them: text,
float for numbers, bool, datetime for date-formatted numbers.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import IO

from fangkong.tabular import Cell, Row

CHUNK = 4 << 20  # characters of XML read at a time

CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t>'
    r"</is>|(.*?))</c>)", re.DOTALL)
_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>")
_VALUE = re.compile(r"<v>([^<]*)</v>")
_TYPE = re.compile(r'\bt="(\w+)"')
_STYLE = re.compile(r'\bs="(\d+)"')


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


INLINE, SHARED, NUMBER, DATE, TEXT, BOOL, ERROR = range(7)
_KINDS = {"inlineStr": INLINE, "s": SHARED, "n": NUMBER, "str": TEXT, "d": TEXT, "b": BOOL,
          "e": ERROR}
# The plain cells (no formula, no rich text): letters, digits, the attributes with the opening
# tag of the value (`/>`, `><v>` or `><is><t>`: the shape says where the value came from), "<"
# for a <v> (so that </v> closes it) and the value. Where it matches, `CELL` matches the same.
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"([^>/]*+(?:/>|>(<)v>|><is><t>))'
    r"(?:(?<=/>)|([^<]*)(?(4)</v>|</t></is>)</c>)")
_LETTERS, _DIGITS, _SHAPE, _TEXT_OF = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(4)
PLANS = 4096  # row shapes whose plan is remembered; the plan of any other is made again
COMPILES = 32  # row expressions learnt, at most
LEARN = 1 << 16  # characters of rows read a cell at a time before the first expression
MEMO = 1 << 16  # dates and shared strings remembered by their text
Match = tuple[str, ...]
Plan = tuple[tuple[int, Callable[[str], Cell]], ...]


class _Memo(dict[str, Cell]):
    """Cell values by their text: a dict lookup (in C) for the first MEMO texts seen."""

    def __init__(self, convert: Callable[[str], Cell]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, text: str) -> Cell:
        value = self.convert(text)
        if len(self) < MEMO:
            self[text] = value
        return value


def _blank(_value: str) -> Cell:
    return ""


def _flag(value: str) -> Cell:
    return value == "1"


class Cells:
    """Turns the regular expressions' matches into rows of cell values."""

    def __init__(self, strings: list[str], dates: frozenset[int], epoch: datetime) -> None:
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.kinds: dict[str, int] = {"": NUMBER}
        self.columns: dict[str, int] = {}
        self.plans: tuple[dict[object, Plan | None], ...] = ({}, {})
        self.dates_by_text, self.shared_by_text = _Memo(self.date), _Memo(self.shared)

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

    def date(self, value: str) -> Cell:
        return self.number(value, DATE)

    def shared(self, value: str) -> Cell:
        return self.strings[int(value)]

    def column(self, letters: str) -> int:
        index = self.columns.get(letters)
        if index is None:
            index = self.columns[letters] = _column_index(letters)
        return index

    def extend(self, row: list[Cell], matches: Iterable[Match]) -> list[Cell]:
        """The general way: `CELL`'s matches appended one by one, a gap filled with blanks."""
        for letters, _digits, attributes, value, inline, body in matches:
            if self.column(letters) > len(row):
                row.extend([""] * (self.column(letters) - len(row)))
            row.append(self.value(self.kind(attributes), value, inline, body))
        return row

    def plan(self, letters: tuple[str, ...], shapes: tuple[str, ...], *,
             entities: bool) -> Plan | None:
        """What to convert in a row of this shape (cached); None for a row with gaps."""
        plans, key = self.plans[entities], (letters, shapes)
        plan = plans.get(key, ())
        if plan == ():
            gapless = [self.column(each) for each in letters] == list(range(len(letters)))
            plan = tuple((index, convert) for index, shape in enumerate(shapes)
                         if (convert := self.converter(shape, entities=entities)) is not None
                         ) if gapless else None
            if len(plans) < PLANS:
                plans[key] = plan
        return plan

    def converter(self, shape: str, *, entities: bool) -> Callable[[str], Cell] | None:
        """What turns the text of a plain cell of this shape into its value; None: the text is
        the value (an empty text always is)."""
        kind = self.kind(shape)
        if shape.endswith("<t>") and kind == INLINE:
            return html.unescape if entities else None
        if shape.endswith("<t>") or kind == INLINE:  # the text of the other element: ""
            return _blank
        if not shape.endswith("<v>"):  # /> has no text
            return None
        return {SHARED: self.shared_by_text.__getitem__, NUMBER: float,
                DATE: self.dates_by_text.__getitem__, BOOL: _flag, ERROR: _blank,
                TEXT: html.unescape if entities else None}[kind]


def _convert(row: list[Cell], plan: Plan) -> list[Cell]:
    """The row with the texts the plan names converted (a plan goes by column, in order)."""
    size = len(row)
    for index, convert in plan:
        if index >= size:
            break
        text = row[index]
        if text:
            row[index] = convert(text)  # type: ignore[arg-type]
    return row


def _general(match: Match) -> Match:
    """A `_PLAIN_CELL` match in the groups of `CELL`."""
    letters, digits, shape, v_tag, text = match
    return letters, digits, shape, text if v_tag else "", "" if v_tag else text, ""


# letters, the shape with a text, the shapes of empty cells, whether a row may lack the cell
Column = tuple[str, str | None, frozenset[str], bool]


class _Reader:
    """Reads the rows of a sheet's chunks. Rows are read a cell at a time (`_PLAIN_CELL`, or
    `CELL` in a chunk with other cells), and the shape of the rows read so (columns A, B, …
    with the attributes of each) is learnt as one regular expression for a whole row, which
    then reads the rows of that shape in one match: the row number once, one group per cell."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.number, self.row = "", list[Cell]()
        self.columns: dict[int, Column] = {}
        self.pattern: tuple[re.Pattern[str], tuple[Plan, Plan]] | None = None
        self.compiles = 0

    def chunk(self, chunk: str) -> Iterator[Row]:
        entities, start = "&" in chunk, 0
        if self.pattern is None and (cut := chunk.find("</row>", LEARN)) >= 0:
            start = cut + len("</row>")  # the first rows teach the row expression to the rest
            yield from self.cells_of(chunk[:start], entities=entities)
        while (learnt := self.pattern) is not None:
            pattern, plans = learnt
            plan, matched = plans[entities], self.matched
            for found in pattern.finditer(chunk, start):
                if found.start() > start:  # rows of another shape
                    yield from self.cells_of(chunk[start:found.start()], entities=entities)
                    if self.pattern is not learnt:
                        start = found.start()
                        break  # they taught another expression: search again with it
                start = found.end()
                if (done := matched(found, plan)) is not None:
                    yield done
            else:
                break
        yield from self.cells_of(chunk[start:], entities=entities)

    def matched(self, found: re.Match[str], plan: Plan) -> Row | None:
        """A row read by the row expression; the row before it when that one is complete."""
        digits, *texts = found.groups()  # None: no such cell
        while texts and texts[-1] is None:
            texts.pop()
        if not texts:
            return None
        if digits == self.number:  # the same row number again: the row goes on
            self.cells.extend(self.row, map(_general, _PLAIN_CELL.findall(found[0])))
            return None
        row: list[Cell] = texts if None not in texts else [
            "" if text is None else text for text in texts]
        return self.add(digits, _convert(row, plan) if plan else row)

    def cells_of(self, text: str, *, entities: bool) -> Iterator[Row]:
        matches = _PLAIN_CELL.findall(text)
        simple = len(matches) == text.count('<c r="')
        if not simple:
            matches = CELL.findall(text)
        for digits, found in groupby(matches, _DIGITS):
            group = list(found)
            if digits == self.number:
                self.cells.extend(self.row, map(_general, group) if simple else group)
            elif (done := self.add(digits, self.read(group, entities=entities) if simple
                                   else self.cells.extend([], group))) is not None:
                yield done

    def read(self, group: list[Match], *, entities: bool) -> list[Cell]:
        letters, shapes = tuple(map(_LETTERS, group)), tuple(map(_SHAPE, group))
        self.learn(letters, shapes)
        plan = self.cells.plan(letters, shapes, entities=entities)
        if plan is None:
            return self.cells.extend([], map(_general, group))
        return _convert(list(map(_TEXT_OF, group)), plan)

    def add(self, digits: str, row: list[Cell]) -> Row | None:
        """Starts the next row; the one before it, complete."""
        done = Row(int(self.number), self.row) if self.row else None
        self.number, self.row = digits, row
        return done

    def finish(self) -> Iterator[Row]:
        if self.row:
            yield Row(int(self.number), self.row)

    def learn(self, letters: tuple[str, ...], shapes: tuple[str, ...]) -> None:
        """Widens the row expression to this row's cells (another column, another empty cell's
        shape, a text in a column that had only empty cells), or starts it again from them."""
        indexes = [self.cells.column(each) for each in letters]
        if self.compiles >= COMPILES or indexes != sorted(set(indexes)):
            return
        columns = _merged(self.columns, dict(zip(indexes, zip(letters, shapes, strict=True),
                                                 strict=True)))
        if columns != self.columns:
            self.columns, self.compiles = columns, self.compiles + 1
            self.pattern = _row_pattern(columns), (self.row_plan(entities=False),
                                                    self.row_plan(entities=True))

    def row_plan(self, *, entities: bool) -> Plan:
        return tuple((index, convert) for index, (_letters, shape, _empty, _optional)
                     in self.columns.items()
                     if shape and (convert := self.cells.converter(shape, entities=entities)))


def _merged(columns: dict[int, Column], cells: dict[int, tuple[str, str]]) -> dict[int, Column]:
    """The columns with these cells' shapes added (a column that one of the rows lacks is
    optional); only these cells' when a column would have two shapes with a text."""
    merged = {index: (letters, filled, empty, optional or index not in cells)
              for index, (letters, filled, empty, optional) in columns.items()}
    for index, (letters, shape) in cells.items():
        _letters, filled, empty, optional = merged.get(
            index, (letters, None, frozenset(), bool(columns)))
        if shape.endswith("/>"):
            merged[index] = letters, filled, empty | {shape}, optional
        elif filled in (None, shape):
            merged[index] = letters, shape, empty, optional
        else:
            return _merged({}, cells)
    return dict(sorted(merged.items()))


def _row_pattern(columns: dict[int, Column]) -> re.Pattern[str]:
    """`<row r="N" …>`, then for each column up to the last one seen its cell with the reference
    `<letters>N`, in one of its shapes (or no cell, where a row lacked it). Groups: the row
    number, then one per column: the cell's text ("" for an empty cell), None for no cell."""
    cells = []
    for index in range(max(columns) + 1):
        if index not in columns:
            cells.append("(?:()(?!))?")  # a column not seen yet: no cell
            continue
        letters, filled, empty, optional = columns[index]
        shapes = [re.escape(shape) for shape in sorted(empty)]
        close = ""
        if filled is not None:
            shapes.append(re.escape(filled))
            close = "|</v></c>" if filled.endswith("<v>") else "|</t></is></c>"
        cell = f'<c r="{letters}\\1"(?:{"|".join(shapes)})([^<]*)(?:(?<=/>){close})'
        cells.append(f"(?:{cell})?" if optional else cell)
    return re.compile(f'<row r="(\\d+)"[^>]*+>{"".join(cells)}</row>')


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


def sheet_rows(handle: IO[bytes], cells: Cells) -> Iterator[Row]:
    """The rows with cells, in order."""
    reader = _Reader(cells)
    for chunk in _chunks(handle):
        yield from reader.chunk(chunk)
    yield from reader.finish()
