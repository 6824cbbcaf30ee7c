"""Checking one cell of a registry sheet: its raw value to the stored value (None for an empty
cell), or an `Invalid` whose message says what is wrong.

Each check is a pure function of the cell, so a `CachedCheck` checks a value once however often
it repeats (addresses, names, birth dates, coded words): most cells of a large roster are
repeats, and the checks are the importer's main cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import repeat
from typing import Generic, TypeVar

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.importer_fields import NO_TAG_WORDS, TAG_SEPARATORS, TAG_WORDS, word_key
from fangkong.registry.validators import (
    EARLIEST_BIRTH,
    PLAIN_NAME,
    normalise_name,
    normalise_phone,
    normalise_text,
    parse_date,
)
from fangkong.tabular import Cell, normalise_cell

T = TypeVar("T")
CACHE_LIMIT = 200_000
ADDRESS_LENGTH = 200
OCCUPATION_LENGTH = 100
HOUSEHOLD_CODE = re.compile(r"[0-9A-Za-z\-]{1,40}")
# Text that `normalise_text` leaves as it is (no spaces, nothing NFKC changes), up to the
# address's length: an address cell of nothing else is its own checked value.
PLAIN_ADDRESS = re.compile(r"[\u4e00-\u9fff0-9A-Za-z#\-]{1,200}")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?|(\d{4})(\d{2})")

BAD_BIRTH = N_("The birth date is not a date, such as 1985-03-12.")
BIRTH_RANGE = N_("The birth date must lie between 1880 and today.")
BIRTH_MISMATCH = N_("The birth date does not match the one in the ID number.")
BAD_TAG = N_("A special group is not one of 独居老人, 残疾人, 低保, 孕产妇, 慢性病, 婴幼儿.")
LONG_ADDRESS = N_("The address is longer than 200 characters.")
LONG_OCCUPATION = N_("The occupation is longer than 100 characters.")
BAD_HOUSEHOLD_CODE = N_("A household number has at most 40 letters, digits and dashes.")


_MISSING = object()


class CachedCheck(Generic[T]):
    """A cell check remembering its answers for repeated cells: the values, and apart from
    them the faults' messages (so that a column of cells found among the values is clean).

    `plain`, when given, matches cells that are their own answer (a usual cell with nothing
    to clean, such as a name of Chinese characters): a column of such cells alone is answered
    in one pass in C, without calling the check (see PLAIN_CHECKS)."""

    __slots__ = ("cache", "check", "faults", "plain")

    def __init__(self, check: Callable[[Cell], T], plain: re.Pattern[str] | None = None) -> None:
        self.check = check
        self.plain = plain
        self.cache: dict[Cell, object] = {}
        self.faults: dict[Cell, str] = {}

    def __call__(self, value: Cell, reasons: dict[str, str], name: str) -> T | None:
        found = self._miss(value)
        if found is _MISSING:
            reasons[name] = self.faults[value]
            return None
        return found  # type: ignore[return-value]

    def _miss(self, value: Cell) -> object:
        """The answer for a cell (checked and remembered if new), or _MISSING when it is at
        fault (its message remembered in `faults`)."""
        found = self.cache.get(value, _MISSING)  # met earlier in the same column
        if found is not _MISSING or value in self.faults:
            return found
        if len(self.cache) + len(self.faults) >= CACHE_LIMIT:
            self.cache.clear()
            self.faults.clear()
        try:
            found = self.cache[value] = self.check(value)
        except Invalid as error:
            self.faults[value] = error.message
            return _MISSING
        return found

    def column(self, values: Sequence[Cell]) -> tuple[list[T | None], list[int]]:
        """The answers for a column of cells in one pass, and the positions of the cells at
        fault (their answer None; `__call__` gives the reason).

        The pass over the column runs in C (`map`, `list.index`): most cells are repeats found
        in the cache, and only the new ones cost a call of Python code each."""
        if self.plain is not None and _all_match(self.plain, values):
            return _shared(values), []  # type: ignore[return-value]
        found: list[object] = list(map(self.cache.get, values, repeat(_MISSING)))
        faulty = []
        for at in _positions(found, _MISSING):
            answer = self._miss(values[at])  # a repeat further down is in the cache by then
            if answer is _MISSING:
                faulty.append(at)
                answer = None
            found[at] = answer
        return found, faulty  # type: ignore[return-value]


def _shared(values: Sequence[Cell]) -> list[Cell]:
    """The cells, a value repeated among them as one object (so that `marshal` writes it once);
    through a dict of their own, as the checks' caches are large and slow to reach."""
    first: dict[Cell, Cell] = {}
    return list(map(first.setdefault, values, values))


def _all_match(pattern: re.Pattern[str], values: Sequence[Cell]) -> bool:
    """Whether each cell is text that the pattern matches whole (a cell of another type makes
    `fullmatch` raise TypeError)."""
    try:
        return all(map(pattern.fullmatch, values))  # type: ignore[arg-type]
    except TypeError:
        return False


def _positions(items: list[object], wanted: object) -> Iterator[int]:
    """The positions of `wanted` in `items`, found by `list.index` (a scan in C)."""
    at = -1
    while True:
        try:
            at = items.index(wanted, at + 1)
        except ValueError:
            return
        yield at


def blank(value: Cell) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def text(value: Cell) -> str:
    return normalise_text(value) if isinstance(value, str) else normalise_cell(value)


def check_name(value: Cell) -> str:
    return normalise_name(value if isinstance(value, str) else normalise_cell(value))


def word_check(table: dict[str, str], message: str | None) -> Callable[[Cell], str | None]:
    """A coded cell through its table of words; an unknown word is an error with `message`,
    or (without one) read as `other`."""
    def check(value: Cell) -> str | None:
        if blank(value):
            return None
        code = table.get(word_key(text(value)))
        if code is None:
            if message is not None:
                raise Invalid(message)
            return "other"
        return code

    return check


class PartialDate(date):
    """A birth year and month without the day (出生年月 1985.03); matched against the ID's."""

    @classmethod
    def parse(cls, value: Cell) -> PartialDate | None:
        match = _YEAR_MONTH.fullmatch(text(value))
        if match is None:
            return None
        year, month = (match[1], match[2]) if match[1] else (match[3], match[4])
        try:
            return cls(int(year), int(month), 1)
        except ValueError:
            return None

    def matches(self, day: date) -> bool:
        return (self.year, self.month) == (day.year, day.month)


def birth_check(today: date) -> Callable[[Cell], date | None]:
    """A birth date: a date cell, an Excel serial, text in the usual forms, or a year and month
    (a PartialDate, which is compared with the ID number's and not stored)."""
    def check(value: Cell) -> date | None:
        if blank(value):
            return None
        if isinstance(value, str) and _YEAR_MONTH.fullmatch(text(value)):
            partial = PartialDate.parse(value)  # 1980.05 is a year and month, not a serial
            if partial is None:
                raise Invalid(BAD_BIRTH)
            return partial
        try:
            day = parse_date(value, field="birth_date")
        except Invalid:
            partial = PartialDate.parse(value)
            if partial is None:
                raise Invalid(BAD_BIRTH) from None
            return partial
        if not EARLIEST_BIRTH <= day <= today:
            raise Invalid(BIRTH_RANGE)
        return day

    return check


def check_phone(value: Cell) -> str | None:
    if blank(value):
        return None
    return normalise_phone(value if isinstance(value, str | int | float) else text(value))


def check_household_code(value: Cell) -> str | None:
    if type(value) is str and HOUSEHOLD_CODE.fullmatch(value):  # the usual cell: nothing to clean
        return value
    if blank(value):
        return None
    code = "".join(text(value).split())
    if not HOUSEHOLD_CODE.fullmatch(code):
        raise Invalid(BAD_HOUSEHOLD_CODE)
    return code


def limited_text(limit: int, message: str) -> Callable[[Cell], str | None]:
    """A free-text cell, normalised, at most `limit` characters."""
    def check(value: Cell) -> str | None:
        if blank(value):
            return None
        found = text(value)
        if len(found) > limit:
            raise Invalid(message)
        return found

    return check


check_address = limited_text(ADDRESS_LENGTH, LONG_ADDRESS)
check_occupation = limited_text(OCCUPATION_LENGTH, LONG_OCCUPATION)


def check_tags(value: Cell) -> tuple[str, ...] | None:
    """The special groups of a person (独居老人、低保); 无 for none; None when empty."""
    if blank(value):
        return None
    words = [word_key(part) for part in TAG_SEPARATORS.split(text(value)) if part]
    codes = {TAG_WORDS.get(part) for part in words if part not in NO_TAG_WORDS}
    if None in codes:
        raise Invalid(BAD_TAG)
    return tuple(sorted(code for code in codes if code is not None))


def check_notes(value: Cell) -> str | None:
    if blank(value):
        return None
    return value.strip() if isinstance(value, str) else normalise_cell(value)


# The checks that return a cell matching their pattern as it is, with the pattern: what
# `CachedCheck(check, plain)` may be given (tests hold each check to it).
PLAIN_CHECKS: dict[Callable[[Cell], object], re.Pattern[str]] = {
    check_name: PLAIN_NAME,
    check_household_code: HOUSEHOLD_CODE,
    check_address: PLAIN_ADDRESS,
}
