"""Checking one sheet row: from raw cells to a normalised person or household, or a rejection
naming each field at fault (English message ids, translated when shown).

No database: the grids of the chosen area come in as a `GridResolver`. An empty cell never
erases what is stored (its value is None and the upsert leaves that field alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple, Protocol, TypeVar

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.registry.importer_cells import (
    BIRTH_MISMATCH,
    PLAIN_CHECKS,
    CachedCheck,
    PartialDate,
    birth_check,
    blank,
    check_address,
    check_household_code,
    check_name,
    check_notes,
    check_occupation,
    check_phone,
    check_tags,
    text,
    word_check,
)
from fangkong.registry.importer_fields import (
    HOUSEHOLD_KIND_WORDS,
    ID_TYPE_WORDS,
    RELATION_WORDS,
    RESIDENCE_WORDS,
    SEX_WORDS,
    TOTAL_PREFIXES,
)
from fangkong.registry.validators import (
    MOBILE,
    normalise_text,
    parse_id_number,
    plain_resident_id,
)
from fangkong.tabular import Cell, Row, normalise_cell

T = TypeVar("T")
DOCUMENT_LENGTH = 32
BLOCK = 256  # rows checked together (see check_persons)
RESIDENT_ID = IdType.RESIDENT_ID.value
_GRID_NOISE = re.compile(r"[\s/\\\-—>›·]+")

BAD_SEX = N_("The sex is not 男 (male) or 女 (female).")
BAD_RESIDENCE = N_("The residence is not one of 户籍, 常住, 暂住, 流动.")
BAD_KIND = N_("The household type is not 家庭户 or 集体户.")
SEX_MISMATCH = N_("The sex does not match the one in the ID number.")
LONG_DOCUMENT = N_("The document number is too long.")
NO_PLACE = N_("Give an address or a household number.")
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
    _cache: dict[Cell, str] = field(default_factory=dict)
    _faults: dict[Cell, Invalid] = field(default_factory=dict)

    def resolve(self, value: Cell) -> str:
        found = self._cache.get(value)
        return self._resolve(value) if found is None else found

    def column(self, values: Sequence[Cell]) -> tuple[list[str], list[int]]:
        """The grids of a column of cells, and the positions of the cells at fault."""
        found = list(map(self._cache.get, values))
        faulty = []
        if None in found:
            for at, code in enumerate(found):
                if code is None:
                    try:
                        found[at] = self._resolve(values[at])
                    except Invalid:
                        found[at] = ""
                        faulty.append(at)
        return found, faulty  # type: ignore[return-value]

    def _resolve(self, value: Cell) -> str:
        fault = self._faults.get(value)
        if fault is None:
            found = self._lookup(normalise_cell(value))
            if not isinstance(found, Invalid):
                self._cache[value] = found
                return found
            fault = self._faults[value] = found
        raise fault

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


PERSON_FIELDS = ("name", "id_type", "id_number", "sex", "birth_date", "phone",
                 "household_code", "address", "occupation", "grid", "tags", "residence",
                 "relation", "notes")
HOUSEHOLD_FIELDS = ("household_code", "address", "head_name", "phone", "household_kind", "grid",
                    "notes")


class ColumnCheck(Protocol):
    def column(self, values: Sequence[Cell]) -> tuple[list[Any], Iterable[int]]: ...


def _fields_getter(columns: dict[str, int], names: tuple[str, ...], width: int) -> Callable[
        [list[Cell]], tuple[Cell, ...]]:
    """The cells of the named fields of a row padded to width + 1 ("" for absent fields)."""
    return itemgetter(*(columns.get(name, width) for name in names))


class RowChecker:
    """Checks rows of one sheet: the columns of each field, the chosen area's grids, today.
    Cells are checked through caches: a value repeated down the sheet is checked once."""

    def __init__(self, columns: dict[str, int], grids: GridResolver, today: date) -> None:
        self.columns = columns
        self.grids = grids
        self.today = today
        self.width = max(columns.values(), default=0) + 1
        self.pad: list[Cell] = [""] * (self.width + 1)
        self.persons = _fields_getter(columns, PERSON_FIELDS, self.width)
        self.households = _fields_getter(columns, HOUSEHOLD_FIELDS, self.width)
        self.person_at = tuple(columns.get(name, self.width) for name in PERSON_FIELDS)
        self.name = CachedCheck(check_name, PLAIN_CHECKS[check_name])
        self.id_type = CachedCheck(word_check(ID_TYPE_WORDS, None))
        self.sex = CachedCheck(word_check(SEX_WORDS, BAD_SEX))
        self.birth = CachedCheck(birth_check(today))
        self.household_code = CachedCheck(check_household_code,
                                          PLAIN_CHECKS[check_household_code])
        self.address = CachedCheck(check_address, PLAIN_CHECKS[check_address])
        self.occupation = CachedCheck(check_occupation)
        self.tags = CachedCheck(check_tags)
        self.residence = CachedCheck(word_check(RESIDENCE_WORDS, BAD_RESIDENCE))
        self.relation = CachedCheck(word_check(RELATION_WORDS, None))
        self.kind = CachedCheck(word_check(HOUSEHOLD_KIND_WORDS, BAD_KIND))
        self.person_checks: tuple[ColumnCheck | None, ...] = (  # in PERSON_FIELDS order
            self.name, self.id_type, None, self.sex, self.birth, None, self.household_code,
            self.address, self.occupation, self.grids, self.tags, self.residence,
            self.relation, None)

    def padded(self, cells: list[Cell]) -> list[Cell]:
        return cells + self.pad if len(cells) <= self.width else cells[: self.width] + self.pad

    def refused(self, row: Row, reasons: dict[str, str]) -> Rejected | None:
        """The rejection of a row at fault, or None for a total or note row, or a row of
        nothing but spaces (ignored)."""
        if is_total_row(row.cells) or all(blank(cell) for cell in row.cells):
            return None
        return Rejected(row.number, raw_texts(row.cells), reasons)

    def grid(self, value: Cell, reasons: dict[str, str]) -> str:
        try:
            return self.grids.resolve(value)
        except Invalid as error:
            reasons["grid"] = error.message
            return ""

    def check_person(self, row: Row) -> PersonIn | Rejected | None:
        cells = self.persons(self.padded(row.cells))
        if not any(cells):
            return None
        (name_cell, type_cell, id_cell, sex_cell, birth_cell, phone_cell, code_cell,
         address_cell, occupation_cell, grid_cell, tags_cell, residence_cell, relation_cell,
         notes_cell) = cells
        reasons: dict[str, str] = {}
        name = self.name(name_cell, reasons, "name")
        id_type = self.id_type(type_cell, reasons, "id_type") or RESIDENT_ID
        sex = self.sex(sex_cell, reasons, "sex")
        birth = self.birth(birth_cell, reasons, "birth_date")
        id_number = None
        if not blank(id_cell):
            id_number, sex, birth = self.document(id_type, id_cell, sex, birth, reasons)
        if isinstance(birth, PartialDate):
            birth = None  # a year and month alone is not stored
        phone = None
        if phone_cell:
            try:
                phone = check_phone(phone_cell)
            except Invalid as error:
                reasons["phone"] = error.message
        household_code = self.household_code(code_cell, reasons, "household_code")
        address = self.address(address_cell, reasons, "address")
        if household_code is None and address is None and not reasons.keys() & {
                "household_code", "address"}:
            reasons["address"] = NO_PLACE
        occupation = self.occupation(occupation_cell, reasons, "occupation")
        grid = self.grid(grid_cell, reasons)
        tags = self.tags(tags_cell, reasons, "tags")
        residence = self.residence(residence_cell, reasons, "residence")
        relation = self.relation(relation_cell, reasons, "relation")
        if reasons:
            return self.refused(row, reasons)
        return PersonIn(row.number, str(name), id_type, id_number, sex, birth, phone, residence,
                        occupation, check_notes(notes_cell), relation, tags, grid,
                        household_code, address)

    def check_persons(self, rows: Sequence[Row]) -> list[PersonIn | Rejected | None]:
        """`check_person` of each row, with the cached fields looked up column by column (one
        pass each); a row with anything at fault (or an empty or summary row) goes through
        `check_person`, which gathers its reasons.

        The rows go in blocks of `BLOCK`: the cells of a block stay in the processor's cache
        for all the passes over its columns, those of a whole batch would not."""
        checked: list[PersonIn | Rejected | None] = []
        for start in range(0, len(rows), BLOCK):
            checked += self._check_block(rows[start:start + BLOCK])
        return checked

    def _check_block(self, rows: Sequence[Row]) -> list[PersonIn | Rejected | None]:
        columns: list[Sequence[Any]] = []
        faulty: set[int] = set()
        for check, values in zip(self.person_checks, self._person_columns(rows), strict=True):
            if check is None:
                columns.append(values)
                continue
            found, bad = check.column(values)
            columns.append(found)
            faulty.update(bad)
        fields = zip(*columns, strict=True)
        return [self.check_person(row) if at in faulty else self._fast_person(row, cells)
                for at, (row, cells) in enumerate(zip(rows, fields, strict=True))]

    def _person_columns(self, rows: Sequence[Row]) -> list[tuple[Cell, ...]]:
        """The cells of each of PERSON_FIELDS down the rows, as `self.persons` picks them from
        padded rows (an absent field's are all ""); each column is taken in one pass in C."""
        lines = [row.cells for row in rows]
        if min(map(len, lines), default=self.width) < self.width:
            lines = [self.padded(cells) for cells in lines]
        cells = list(zip(*lines, strict=False))  # as many as the shortest row has: width or more
        return [cells[at] if at < self.width else ("",) * len(lines) for at in self.person_at]

    def _fast_person(self, row: Row, fields: tuple[Any, ...]) -> PersonIn | Rejected | None:
        """A row whose cached fields are all good: the rest checked as `check_person` does;
        at the first fault, the row goes through `check_person`."""
        (name, id_type, id_cell, sex, birth, phone_cell, household_code, address, occupation,
         grid, tags, residence, relation, notes_cell) = fields
        id_type = id_type or RESIDENT_ID
        document: tuple[str | None, str | None, date | None] | None = (None, sex, birth)
        if id_cell.strip() if type(id_cell) is str else id_cell is not None:  # not blank
            document = self._good_document(id_type, id_cell, sex, birth)
        phone = None
        if phone_cell:
            phone = phone_cell if type(phone_cell) is str and MOBILE.fullmatch(phone_cell) \
                else _checked({}, "phone", lambda: check_phone(phone_cell))
            if phone is None:
                return self.check_person(row)
        if document is None or (household_code is None and address is None):
            return self.check_person(row)
        id_number, sex, birth = document
        notes = (notes_cell.strip() or None) if type(notes_cell) is str else check_notes(
            notes_cell)
        return PersonIn(row.number, name, id_type, id_number, sex,
                        None if type(birth) is PartialDate else birth, phone, residence,
                        occupation, notes, relation, tags, grid, household_code, address)

    def _good_document(
        self, id_type: str, raw: Cell, sex: str | None, birth: date | None,
    ) -> tuple[str | None, str | None, date | None] | None:
        """`document` of a row, None when anything is at fault."""
        if id_type != RESIDENT_ID or type(birth) is PartialDate:
            reasons: dict[str, str] = {}
            found = self.document(id_type, raw, sex, birth, reasons)
            return None if reasons else found
        plain = plain_resident_id(raw, self.today) if type(raw) is str else None
        if plain is None:
            try:
                resident = parse_id_number(raw, today=self.today)
            except Invalid:
                return None
            plain = resident.number, resident.birth_date, resident.sex
        number, id_birth, id_sex = plain
        if (sex is not None and sex != id_sex) or (birth is not None and birth != id_birth):
            return None
        return number, id_sex, id_birth

    def check_households(self, rows: Sequence[Row]) -> list[HouseholdIn | Rejected | None]:
        return [self.check_household(row) for row in rows]

    def check_household(self, row: Row) -> HouseholdIn | Rejected | None:
        cells = self.households(self.padded(row.cells))
        if not any(cells):
            return None
        code_cell, address_cell, head_cell, phone_cell, kind_cell, grid_cell, notes_cell = cells
        reasons: dict[str, str] = {}
        code = self.household_code(code_cell, reasons, "household_code")
        address = self.address(address_cell, reasons, "address")
        if code is None and address is None and not reasons.keys() & {
                "household_code", "address"}:
            reasons["address"] = NO_KEY
        head = None if blank(head_cell) else self.name(head_cell, reasons, "head_name")
        phone = _checked(reasons, "phone", lambda: check_phone(phone_cell))
        kind = self.kind(kind_cell, reasons, "household_kind")
        grid = self.grid(grid_cell, reasons)
        if reasons:
            return self.refused(row, reasons)
        return HouseholdIn(row.number, code, grid, address, head, phone, kind,
                           check_notes(notes_cell))

    def document(
        self, id_type: str, raw: Cell, sex: str | None, birth: date | None,
        reasons: dict[str, str],
    ) -> tuple[str | None, str | None, date | None]:
        """(number, sex, birth date): a resident ID gives both and must agree with them."""
        if id_type != RESIDENT_ID:
            number = "".join(text(raw).split()).upper()
            if len(number) > DOCUMENT_LENGTH:
                reasons["id_number"] = LONG_DOCUMENT
            return number, sex, birth
        try:
            resident = parse_id_number(raw, today=self.today)
        except Invalid as error:
            reasons["id_number"] = error.message
            return None, sex, birth
        if sex is not None and sex != resident.sex:
            reasons["sex"] = SEX_MISMATCH
        if birth is not None and not (birth.matches(resident.birth_date) if isinstance(
                birth, PartialDate) else birth == resident.birth_date):
            reasons["birth_date"] = BIRTH_MISMATCH
        return resident.number, resident.sex, resident.birth_date


def _checked(reasons: dict[str, str], name: str, check: Callable[[], T]) -> T | None:
    """The check's result, or None with its reason recorded under the field's name."""
    try:
        return check()
    except Invalid as error:
        reasons[name] = error.message
        return None
