"""Where travellers come from: the country's provinces, cities and counties, searchable by
Chinese name, by code or by pinyin initials (`whs` finds 武汉市), for the division picker."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fangkong.areas.pinyin import initials
from fangkong.divisions import Division, cities, counties, provinces

SEARCH_LIMIT = 20
PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_LEADING_CODE = re.compile(r"^\s*(\d{2}|\d{4}|\d{6})(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Place:
    """A division with its full name (湖北省 武汉市 江岸区) and its pinyin initials."""

    code: str
    name: str
    full_name: str
    pinyin: str

    @property
    def level(self) -> int:
        return {2: 1, 4: 2}.get(len(self.code), 3)

    @property
    def option(self) -> str:
        """What the picker puts in the input: the code first, then the full name."""
        return f"{self.code} {self.full_name}"


def _full_name(item: Division, by_code: dict[str, Division]) -> str:
    names = [item.name]
    parent = by_code.get(item.parent_code or "")
    while parent is not None:
        if parent.name not in PLACEHOLDER_CITIES:
            names.insert(0, parent.name)
        parent = by_code.get(parent.parent_code or "")
    return " ".join(names)


@lru_cache(maxsize=1)
def places() -> dict[str, Place]:
    """Every province, city and county by code (built once, on first use)."""
    by_code = {item.code: item for item in (*provinces(), *cities(), *counties())}
    found: dict[str, Place] = {}
    for item in by_code.values():
        if item.name in PLACEHOLDER_CITIES:
            continue
        found[item.code] = Place(item.code, item.name, _full_name(item, by_code),
                                 initials(item.name))
    return found


def get_place(code: str) -> Place | None:
    return places().get(code)


def place_name(code: str) -> str:
    """The full name of a division code, or the code itself when unknown."""
    place = get_place(code)
    return place.full_name if place else code


def _matches(place: Place, needle: str) -> bool:
    if needle.isdigit():
        return place.code.startswith(needle)
    if needle.isascii() and needle.isalpha():
        return place.pinyin.startswith(needle.lower())
    return needle in place.full_name


def search_places(text: str, *, limit: int = SEARCH_LIMIT) -> list[Place]:
    """Places matching a code prefix, pinyin initials or part of the name; bigger ones first."""
    needle = "".join(text.split()) if text.isascii() else " ".join(text.split())
    if not needle:
        return []
    found = [place for place in places().values() if _matches(place, needle)]
    found.sort(key=lambda place: (place.level, place.code))
    return found[:limit]


def resolve_place(text: str) -> str | None:
    """The code a picker value stands for: `420100 湖北省 武汉市`, `420100`, or a name that
    matches exactly one place (`武汉市`); None when it names nothing or several places."""
    value = text.strip()
    match = _LEADING_CODE.match(value)
    if match:
        code = match[1]
        return code if code in places() else None
    exact = [place for place in places().values() if value in (place.name, place.full_name)]
    return exact[0].code if len(exact) == 1 else None


def place_prefixes(code: str) -> list[str]:
    """The codes a division lies in, itself included, most specific first (420102 → 420102,
    4201, 42)."""
    return [code[:length] for length in (6, 4, 2) if length <= len(code)]
