"""Checking one sheet row: from raw cells to a normalised person or household, or a rejection
naming each field at fault (English message ids, translated when shown).

No database: the grids of the chosen area come in as a `GridResolver`. An empty cell never
erases what is stored (its value is None and the upsert leaves that field alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, TypeVar

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.registry.importer_fields import (
    HOUSEHOLD_KIND_WORDS,
    ID_TYPE_WORDS,
    NO_TAG_WORDS,
    RELATION_WORDS,
    RESIDENCE_WORDS,
    SEX_WORDS,
    TAG_SEPARATORS,
    TAG_WORDS,
    TOTAL_PREFIXES,
    word_key,
)
from fangkong.registry.validators import (
    EARLIEST_BIRTH,
    ResidentId,
    normalise_name,
    normalise_phone,
    normalise_text,
    parse_date,
    parse_id_number,
)
from fangkong.tabular import Cell, Row, normalise_cell

T = TypeVar("T")
ADDRESS_LENGTH = 200
OCCUPATION_LENGTH = 100
DOCUMENT_LENGTH = 32
HOUSEHOLD_CODE = re.compile(r"[0-9A-Za-z\-]{1,40}")
_GRID_NOISE = re.compile(r"[\s/\\\-—>›·]+")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?|(\d{4})(\d{2})")

BAD_SEX = N_("The sex is not 男 (male) or 女 (female).")
BAD_RESIDENCE = N_("The residence is not one of 户籍, 常住, 暂住, 流动.")
BAD_TAG = N_("A special group is not one of 独居老人, 残疾人, 低保, 孕产妇, 慢性病, 婴幼儿.")
BAD_KIND = N_("The household type is not 家庭户 or 集体户.")
BAD_BIRTH = N_("The birth date is not a date, such as 1985-03-12.")
BIRTH_RANGE = N_("The birth date must lie between 1880 and today.")
BIRTH_MISMATCH = N_("The birth date does not match the one in the ID number.")
SEX_MISMATCH = N_("The sex does not match the one in the ID number.")
LONG_DOCUMENT = N_("The document number is too long.")
LONG_ADDRESS = N_("The address is longer than 200 characters.")
LONG_OCCUPATION = N_("The occupation is longer than 100 characters.")
BAD_HOUSEHOLD_CODE = N_("A household number has at most 40 letters, digits and dashes.")
NO_PLACE = N_("Give an address or a household number.")
NO_ADDRESS = N_("The address is empty.")
NO_KEY = N_("Give a household number or an address.")
NO_GRID = N_("The grid is empty; the chosen area is not a grid, so each row needs its grid.")
GRID_OUTSIDE = N_("This grid is not in the chosen area.")
GRID_UNKNOWN = N_("No grid of this name in the chosen area.")
GRID_AMBIGUOUS = N_("Several grids in the chosen area have this name; write the community with "
                    "it, or the grid's code.")


class PersonIn(NamedTuple):
    """A checked person row; None means the cell was empty (the stored value stays)."""

    row: int
    name: str
    id_type: str
    id_number: str | None
    sex: str | None
    birth_date: date | None
    phone: str | None
    residence: str | None
    occupation: str | None
    notes: str | None
    relation: str | None
    tags: tuple[str, ...] | None
    grid: str
    household_code: str | None
    address: str | None


class HouseholdIn(NamedTuple):
    row: int
    code: str | None
    grid: str
    address: str | None
    head_name: str | None
    phone: str | None
    kind: str | None
    notes: str | None


class Rejected(NamedTuple):
    row: int
    raw: list[str]
    reasons: dict[str, str]  # field → message id


@dataclass
class GridResolver:
    """The grids of the chosen area, found by code (whole, or the part below the area) or by
    name (the grid's, or with its community's and street's names before it)."""

    area_code: str
    area_is_grid: bool
    codes: frozenset[str]
    names: dict[str, tuple[str, ...]]
    _cache: dict[str, str | Invalid] = field(default_factory=dict)

    def resolve(self, value: Cell) -> str:
        text = normalise_cell(value)
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._lookup(text)
        if isinstance(found, Invalid):
            raise found
        return found

    def _lookup(self, text: str) -> str | Invalid:
        key = _GRID_NOISE.sub("", text)
        if not key:
            return self.area_code if self.area_is_grid else Invalid(NO_GRID)
        if key.isdigit():
            for code in (key, self.area_code + key):
                if code in self.codes:
                    return code
            return Invalid(GRID_OUTSIDE)
        matches = self.names.get(key, ())
        if len(matches) == 1:
            return matches[0]
        return Invalid(GRID_AMBIGUOUS if matches else GRID_UNKNOWN)


def grid_key(text: str) -> str:
    return _GRID_NOISE.sub("", normalise_text(text))


def is_total_row(cells: list[Cell]) -> bool:
    """A summary line (合计, 总计: 1234人 …): its first or second filled cell starts so; or a
    note line below the table: one filled cell of the form `label: value` (填表人：李四)."""
    filled = [text for text in (normalise_cell(cell) for cell in cells) if text]
    if len(filled) == 1 and ":" in filled[0]:
        return True
    return any(text.replace(" ", "").lower().startswith(TOTAL_PREFIXES) for text in filled[:2])


def raw_texts(cells: list[Cell]) -> list[str]:
    """A row's cells as text, kept as typed (for the rejected-rows download)."""
    return [cell if isinstance(cell, str) else normalise_cell(cell) for cell in cells]


def _blank(value: Cell) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _text(value: Cell) -> str:
    return normalise_text(value) if isinstance(value, str) else normalise_cell(value)


class RowChecker:
    """Checks rows of one sheet: the columns of each field, the chosen area's grids, today."""

    def __init__(self, columns: dict[str, int], grids: GridResolver, today: date) -> None:
        self.columns = columns
        self.grids = grids
        self.today = today
        self.width = max(columns.values(), default=0) + 1
        self._words: dict[tuple[str, str], str | None] = {}
        self._texts: dict[str, str] = {}

    def pick(self, cells: list[Cell], name: str) -> Cell:
        """The field's cell ("" when the sheet has no such column); `cells` padded."""
        index = self.columns.get(name)
        return "" if index is None else cells[index]

    def padded(self, cells: list[Cell]) -> list[Cell]:
        missing = self.width - len(cells)
        return cells + [""] * missing if missing > 0 else cells

    def blank(self, cells: list[Cell]) -> bool:
        """Nothing in any known column."""
        return all(_blank(cells[index]) for index in self.columns.values())

    def refused(self, row: Row, reasons: dict[str, str]) -> Rejected | None:
        """The rejection of a row at fault, or None for a total or note row (ignored)."""
        return None if is_total_row(row.cells) else Rejected(row.number, raw_texts(row.cells),
                                                             reasons)

    def word(self, table: dict[str, str], value: Cell, reasons: dict[str, str], name: str,
             message: str | None) -> str | None:
        """A coded cell through its word table; unknown words are rejected with `message`, or
        read as the table's `other` when `message` is None."""
        if _blank(value):
            return None
        text = _text(value)
        key = (name, text)
        if key not in self._words:
            self._words[key] = table.get(word_key(text), None if message else "other")
        code = self._words[key]
        if code is None and message is not None:
            reasons[name] = message
        return code

    def text(self, value: Cell) -> str | None:
        """A free-text cell, normalised; repeated texts (addresses) normalised once."""
        if _blank(value):
            return None
        if isinstance(value, str):
            found = self._texts.get(value)
            if found is None:
                if len(self._texts) > 200_000:
                    self._texts.clear()
                found = self._texts[value] = normalise_text(value)
            return found
        return normalise_cell(value)

    def grid(self, cells: list[Cell], reasons: dict[str, str]) -> str:
        try:
            return self.grids.resolve(self.pick(cells, "grid"))
        except Invalid as error:
            reasons["grid"] = error.message
            return ""

    def check_person(self, row: Row) -> PersonIn | Rejected | None:
        cells = self.padded(row.cells)
        if self.blank(cells):
            return None
        reasons: dict[str, str] = {}
        name = _checked(reasons, "name", lambda: _name(self.pick(cells, "name")))
        id_type = self.word(ID_TYPE_WORDS, self.pick(cells, "id_type"), reasons, "id_type",
                            None) or IdType.RESIDENT_ID.value
        sex = self.word(SEX_WORDS, self.pick(cells, "sex"), reasons, "sex", BAD_SEX)
        birth = self.birth(self.pick(cells, "birth_date"), reasons)
        raw_id = self.pick(cells, "id_number")
        id_number: str | None = None
        if not _blank(raw_id):
            id_number, sex, birth = self.document(id_type, raw_id, sex, birth, reasons)
        if isinstance(birth, PartialDate):
            birth = None  # a year and month alone is not stored
        phone = self.phone(self.pick(cells, "phone"), reasons)
        household_code = self.household_code(self.pick(cells, "household_code"), reasons)
        address = self.address(self.pick(cells, "address"), reasons)
        if household_code is None and address is None and "address" not in reasons:
            reasons["address"] = NO_PLACE
        occupation = self.text(self.pick(cells, "occupation"))
        if occupation is not None and len(occupation) > OCCUPATION_LENGTH:
            reasons["occupation"] = LONG_OCCUPATION
        grid = self.grid(cells, reasons)
        tags = self.tags(self.pick(cells, "tags"), reasons)
        residence = self.word(RESIDENCE_WORDS, self.pick(cells, "residence"), reasons,
                              "residence", BAD_RESIDENCE)
        relation = self.word(RELATION_WORDS, self.pick(cells, "relation"), reasons, "relation",
                             None)
        if reasons:
            return self.refused(row, reasons)
        return PersonIn(row.number, str(name), id_type, id_number, sex, birth, phone, residence,
                        occupation, _notes(self.pick(cells, "notes")), relation, tags, grid,
                        household_code, address)

    def check_household(self, row: Row) -> HouseholdIn | Rejected | None:
        cells = self.padded(row.cells)
        if self.blank(cells):
            return None
        reasons: dict[str, str] = {}
        code = self.household_code(self.pick(cells, "household_code"), reasons)
        address = self.address(self.pick(cells, "address"), reasons)
        if code is None and address is None and "address" not in reasons:
            reasons["address"] = NO_KEY
        head_cell = self.pick(cells, "head_name")
        head = None if _blank(head_cell) else _checked(reasons, "head_name",
                                                        lambda: _name(head_cell))
        phone = self.phone(self.pick(cells, "phone"), reasons)
        kind = self.word(HOUSEHOLD_KIND_WORDS, self.pick(cells, "household_kind"), reasons,
                         "household_kind", BAD_KIND)
        grid = self.grid(cells, reasons)
        if reasons:
            return self.refused(row, reasons)
        return HouseholdIn(row.number, code, grid, address, head, phone, kind,
                           _notes(self.pick(cells, "notes")))

    def document(
        self, id_type: str, raw: Cell, sex: str | None, birth: date | None,
        reasons: dict[str, str],
    ) -> tuple[str | None, str | None, date | None]:
        """(number, sex, birth date): a resident ID gives both and must agree with them."""
        if id_type != IdType.RESIDENT_ID.value:
            number = "".join(_text(raw).split()).upper()
            if len(number) > DOCUMENT_LENGTH:
                reasons["id_number"] = LONG_DOCUMENT
            return number, sex, birth
        resident: ResidentId | None = _checked(
            reasons, "id_number", lambda: parse_id_number(raw, today=self.today))
        if resident is None:
            return None, sex, birth
        if sex is not None and sex != resident.sex:
            reasons["sex"] = SEX_MISMATCH
        if isinstance(birth, PartialDate):
            birth = birth.check(resident.birth_date, reasons)
        elif birth is not None and birth != resident.birth_date:
            reasons["birth_date"] = BIRTH_MISMATCH
        return resident.number, resident.sex, resident.birth_date

    def birth(self, value: Cell, reasons: dict[str, str]) -> date | None:
        if _blank(value):
            return None
        if isinstance(value, str) and _YEAR_MONTH.fullmatch(_text(value)):
            partial = PartialDate.parse(value)  # 出生年月 1980.05 (not an Excel serial number)
            if partial is None:
                reasons["birth_date"] = BAD_BIRTH
            return partial
        try:
            day = parse_date(value, field="birth_date")
        except Invalid:
            partial = PartialDate.parse(value)
            if partial is None:
                reasons["birth_date"] = BAD_BIRTH
            return partial
        if not EARLIEST_BIRTH <= day <= self.today:
            reasons["birth_date"] = BIRTH_RANGE
        return day

    def phone(self, value: Cell, reasons: dict[str, str]) -> str | None:
        return None if _blank(value) else _checked(reasons, "phone", lambda: _phone(value))

    def household_code(self, value: Cell, reasons: dict[str, str]) -> str | None:
        if _blank(value):
            return None
        code = "".join(_text(value).split())
        if not HOUSEHOLD_CODE.fullmatch(code):
            reasons["household_code"] = BAD_HOUSEHOLD_CODE
        return code

    def address(self, value: Cell, reasons: dict[str, str]) -> str | None:
        address = self.text(value)
        if address is not None and len(address) > ADDRESS_LENGTH:
            reasons["address"] = LONG_ADDRESS
        return address

    def tags(self, value: Cell, reasons: dict[str, str]) -> tuple[str, ...] | None:
        if _blank(value):
            return None
        words = [word_key(part) for part in TAG_SEPARATORS.split(_text(value)) if part]
        if all(part in NO_TAG_WORDS for part in words):
            return ()
        codes = {TAG_WORDS.get(part) for part in words if part not in NO_TAG_WORDS}
        if None in codes:
            reasons["tags"] = BAD_TAG
            return None
        return tuple(sorted(code for code in codes if code is not None))


class PartialDate(date):
    """A birth year and month without the day (出生年月 1985.03); matched against the ID's."""

    @classmethod
    def parse(cls, value: Cell) -> PartialDate | None:
        match = _YEAR_MONTH.fullmatch(_text(value))
        if match is None:
            return None
        year, month = (match[1], match[2]) if match[1] else (match[3], match[4])
        try:
            return cls(int(year), int(month), 1)
        except ValueError:
            return None

    def check(self, day: date, reasons: dict[str, str]) -> date:
        if (self.year, self.month) != (day.year, day.month):
            reasons["birth_date"] = BIRTH_MISMATCH
        return day


def _checked(reasons: dict[str, str], name: str, check: Callable[[], T]) -> T | None:
    """The check's result, or None with its reason recorded under the field's name."""
    try:
        return check()
    except Invalid as error:
        reasons[name] = error.message
        return None


def _name(value: Cell) -> str:
    return normalise_name(value if isinstance(value, str) else normalise_cell(value))


def _phone(value: Cell) -> str:
    return normalise_phone(value if isinstance(value, str | int | float) else _text(value))


def _notes(value: Cell) -> str | None:
    if _blank(value):
        return None
    return value.strip() if isinstance(value, str) else normalise_cell(value)
