"""A deterministic demo population: households of plausible families as plain dicts, no database.

The shares follow the reference city (Changchun, 7th census 2020): ages 0–14 12.14 %, 15–59
67.01 %, 60+ 20.85 %; about 50 % male; 2.34 persons per family household; about 3.5 of 9.07
million people floating (ID numbers from other counties of Jilin and from other provinces).
Every ID number is valid (GB 11643-1999), unique, and agrees with the person's age and sex at
the reference date; people of 公主岭 and 九台 born before their county changed carry the old
code. Standard library only: one seeded `random.Random` and tables built once.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate

from fangkong.divisions import counties, jilin_streets
from fangkong.registry import generate_data as data
from fangkong.registry.codes import HouseholdKind, IdType, Sex, Tag
from fangkong.registry.generate_shapes import FAMILY_SHAPES, HEAD, OTHER, SPOUSE, Draw, Spec
from fangkong.registry.validators import ID_CHECK_CHARACTERS, ID_WEIGHTS, retired_counties

REFERENCE_DATE = data.REFERENCE_DATE
MAX_HOUSEHOLDS_PER_GRID = 99_999
MALE, FEMALE, RESIDENT_ID = Sex.MALE.value, Sex.FEMALE.value, IdType.RESIDENT_ID.value
INFANT, ALONE, DISABLED = Tag.INFANT.value, Tag.ELDERLY_ALONE.value, Tag.DISABLED.value
LOW_INCOME, PREGNANT, CHRONIC = Tag.LOW_INCOME.value, Tag.PREGNANT.value, Tag.CHRONIC.value
SEQUENCES = [f"{n:03d}" for n in range(1000)]


@dataclass(slots=True)
class GeneratedHousehold:
    """One household: `members[0]` is its head; members are dicts of the person's fields."""

    code: str
    address: str
    area_code: str
    kind: str
    members: list[dict[str, object]] = field(default_factory=list)

    def as_row(self) -> dict[str, object]:
        """The household's own fields: head's name and phone, member count."""
        head = self.members[0] if self.members else {}
        return {"code": self.code, "area_code": self.area_code, "address": self.address,
                "kind": self.kind, "head_name": head.get("name", ""),
                "phone": head.get("phone", ""), "members": len(self.members), "notes": ""}


@dataclass(slots=True)
class _Grid:
    code: str
    rural: bool
    town: str
    base: int  # where this grid's roads and compounds start in the word lists
    households: int = 0


@dataclass(slots=True)
class _Household:
    """What the members of one household share while they are generated."""

    grid: _Grid
    code: str
    migrant: bool
    residence: str
    low_income: bool
    alone: bool = False
    work: str = ""


def generate_households(
    grid_codes: Sequence[str], persons: int, seed: int, *, reference: date = REFERENCE_DATE
) -> Iterator[GeneratedHousehold]:
    """Households over the grids, round robin, until exactly `persons` persons exist.

    Deterministic for a seed. Household codes are the grid code and 5 digits.
    """
    if not grid_codes:
        raise ValueError("generate_households needs at least one grid code")
    population = _Population(seed, reference)
    made = index = 0
    while made < persons:
        household = population.household(grid_codes[index % len(grid_codes)])
        index += 1
        del household.members[persons - made:]
        made += len(household.members)
        yield household


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _checksum_part(digits: str, start: int) -> int:
    """The part of an ID number's checksum contributed by `digits` placed at `start`."""
    return sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS[start:], strict=False))


@dataclass(frozen=True, slots=True)
class _Tables:
    """Precomputed once per reference date: birth dates by age and partial checksums."""

    first_ordinal: int
    dates: list[tuple[date, str, int]]  # per ordinal: the date, YYYYMMDD, its checksum part
    age_spans: list[tuple[int, int]]  # per age: first ordinal, number of possible days
    sequence_sums: list[int]
    old_codes: dict[str, tuple[str, int]]  # current code → (old code, born before ordinal)


@lru_cache(maxsize=4)
def _tables(reference: date) -> _Tables:
    spans = []
    for age in range(data.MAX_AGE + 1):
        first = _years_before(reference, age + 1).toordinal() + 1
        spans.append((first, _years_before(reference, age).toordinal() - first + 1))
    dates = []
    for ordinal in range(spans[-1][0], reference.toordinal() + 1):
        day = date.fromordinal(ordinal)
        dates.append((day, day.strftime("%Y%m%d"), _checksum_part(day.strftime("%Y%m%d"), 6)))
    old_codes = {item.now_code: (item.code, _month_after(item.valid_until))
                 for item in retired_counties() if item.now_code[:4] == data.CITY}
    return _Tables(spans[-1][0], dates, spans,
                   [_checksum_part(f"{n:03d}", 14) for n in range(1000)], old_codes)


def _month_after(year_month: str) -> int:
    year, month = (int(part) for part in year_month.split("-"))
    return date(year + month // 12, month % 12 + 1, 1).toordinal()


@lru_cache(maxsize=1)
def _migrant_codes() -> tuple[list[str], list[str], list[float]]:
    """County codes of Jilin outside the city; of other provinces, with cumulative weights."""
    usable = [item.code for item in counties() if item.code[4] != "7"]  # not statistical zones
    jilin = [code for code in usable if code[:2] == "22" and code[:4] != data.CITY]
    others = [code for code in usable if code[:2] in data.PROVINCE_WEIGHTS]
    sizes = {province: sum(code[:2] == province for code in others)
             for province in data.PROVINCE_WEIGHTS}
    return jilin, others, list(accumulate(
        data.PROVINCE_WEIGHTS[code[:2]] / sizes[code[:2]] for code in others))


class _Population:
    """The generator's state: the random stream, the tables, the grids, the issued IDs."""

    def __init__(self, seed: int, reference: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.random = self.rng.random
        self.draw = Draw(self.rng)
        self.tables = _tables(reference)
        self.age_spans, self.dates = self.tables.age_spans, self.tables.dates
        self.first_ordinal, self.sequence_sums = (self.tables.first_ordinal,
                                                  self.tables.sequence_sums)
        self.issued: set[str] = set()
        self.region_sums: dict[str, int] = {}
        self.jilin, self.others, self.other_weights = _migrant_codes()
        self.streets = {item.code: item.name for item in jilin_streets()}
        self.grids: dict[str, _Grid] = {}

    # Households ------------------------------------------------------------------------------

    def household(self, grid_code: str) -> GeneratedHousehold:
        grid = self.grid(grid_code)
        if grid.households >= MAX_HOUSEHOLDS_PER_GRID:
            raise ValueError(f"more than {MAX_HOUSEHOLDS_PER_GRID} households in {grid_code}")
        grid.households += 1
        code = f"{grid_code}{grid.households:05d}"
        if self.random() < data.COLLECTIVE_SHARE:
            return self.collective(grid, code)
        kind = self.draw.weighted("kind", lambda: [
            (name, weight) for name, (weight, _) in data.FAMILY_KINDS.items()])
        specs = FAMILY_SHAPES[kind](self.draw)
        if len(specs) > 1 and self.random() < data.EXTRA_MEMBER_SHARE:
            specs.append((OTHER, self.draw.age(18, 70), self.random() < 0.4, self.draw.surname(),
                          False))
        members = self.members(specs, self.family_context(kind, grid, code))
        return GeneratedHousehold(code, self.address(grid), grid.code,
                                  HouseholdKind.FAMILY.value, members)

    def family_context(self, kind: str, grid: _Grid, code: str) -> _Household:
        migrant = self.random() < data.FAMILY_KINDS[kind][1]
        residence = self.residence(data.FLOATING_RESIDENCE) if migrant else "registered"
        alone = kind == "single_elderly"
        low_income = self.random() < data.LOW_INCOME_SHARE * (2.5 if alone else 1.0)
        return _Household(grid, code, migrant, residence, low_income, alone=alone)

    def collective(self, grid: _Grid, code: str) -> GeneratedHousehold:
        kind = self.draw.weighted("collective", lambda: [
            (item, item.weight) for item in data.COLLECTIVE_KINDS])
        context = _Household(grid, code, kind.migrant, self.residence(kind.residence),
                             low_income=False, work=kind.work)
        room_male = self.random() < kind.male_share
        specs = [(HEAD if n == 0 else OTHER, self.draw.age(*kind.ages),
                  room_male if kind.single_sex else self.random() < kind.male_share,
                  self.draw.surname(), False) for n in range(self.draw.between(*kind.sizes))]
        address = (f"{self.draw.pick(kind.names)}{grid.households % 6 + 1}号楼"
                   f"{self.draw.between(1, 6)}{self.draw.between(1, 30):02d}室")
        return GeneratedHousehold(code, address, grid.code, HouseholdKind.COLLECTIVE.value,
                                  self.members(specs, context))

    def residence(self, shares: Sequence[tuple[str, float]]) -> str:
        return self.draw.weighted(shares, lambda: shares)

    def grid(self, code: str) -> _Grid:
        grid = self.grids.get(code)
        if grid is None:
            town = self.streets.get(code[:9], "")
            grid = self.grids[code] = _Grid(code, town.endswith(("镇", "乡")), town,
                                            int(self.random() * 1000))
        return grid

    def address(self, grid: _Grid) -> str:
        index = grid.households - 1
        if grid.rural:
            village = data.VILLAGE_WORDS[grid.base % len(data.VILLAGE_WORDS)]
            return f"{grid.town}{village}村{index // 40 + 1}组{index % 40 + 1}号"
        building, rest = divmod(index, 36)  # 3 units of 6 floors with 2 flats each
        unit, rest = divmod(rest, 12)
        floor, flat = divmod(rest, 2)
        compound, building = divmod(building, 15)
        words = grid.base + compound
        road = data.ROAD_WORDS[words % len(data.ROAD_WORDS)] + data.ROAD_KINDS[words % 3]
        name = (data.COMPOUND_WORDS[words * 7 % len(data.COMPOUND_WORDS)]
                + data.COMPOUND_KINDS[words % len(data.COMPOUND_KINDS)])
        return (f"{road}{(words * 37) % 2000 + 1}号{name}"
                f"{building + 1}栋{unit + 1}单元{floor + 1}{flat + 1:02d}室")

    # Persons ---------------------------------------------------------------------------------

    def members(self, specs: list[Spec], context: _Household) -> list[dict[str, object]]:
        head_code = self.region_code(context)
        return [self.person(spec, head_code if spec[4] else self.region_code(context), context)
                for spec in specs]

    def region_code(self, context: _Household) -> str:
        if context.migrant:
            origin = self.draw.weighted("origin", lambda: data.MIGRANT_ORIGINS)
            if origin == "city":
                return self.draw.weighted("outer", lambda: [
                    (code, data.LOCAL_CODES[code]) for code in data.OUTER_COUNTIES])
            if origin == "jilin":
                return self.draw.pick(self.jilin)
            index = bisect(self.other_weights, self.random() * self.other_weights[-1])
            return self.others[min(index, len(self.others) - 1)]
        district = data.ZONE_DISTRICTS.get(context.grid.code[:6], context.grid.code[:6])
        if district in data.LOCAL_CODES and self.random() < data.LOCAL_BORN_SHARE:
            return district
        return self.draw.weighted("local", lambda: list(data.LOCAL_CODES.items()))

    def person(self, spec: Spec, code: str, context: _Household) -> dict[str, object]:
        relation, age, male, surname, _ = spec
        first, days = self.age_spans[age]
        ordinal = first + int(self.random() * days)
        day = self.dates[ordinal - self.first_ordinal]
        birth = day[0]
        return {
            "household_code": context.code, "area_code": context.grid.code,
            "name": self.name(surname, male, birth.year, code), "sex": MALE if male else FEMALE,
            "id_type": RESIDENT_ID, "id_number": self.id_number(code, ordinal, day, male),
            "birth_date": birth,
            "phone": self.phone(age, context.grid.rural), "relation": relation,
            "residence": context.residence, "occupation": self.occupation(age, male, context),
            "tags": self.tags(age, male, relation, context), "notes": "",
        }

    def name(self, surname: str, male: bool, birth_year: int, code: str) -> str:
        if code[:2] == data.UYGHUR_PROVINCE and self.random() < 0.5:
            return f"{self.draw.pick(data.UYGHUR_NAMES)}·{self.draw.pick(data.UYGHUR_NAMES)}"
        era = 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2
        pool = data.GIVEN[male, era]
        first = self.draw.pick(pool)
        if self.random() < data.ONE_CHARACTER_SHARE[era]:
            return surname + first
        second = self.draw.pick(pool)
        return surname + first + (second if second != first else self.draw.pick(pool))

    def id_number(self, code: str, ordinal: int, day: tuple[date, str, int], male: bool) -> str:
        """A unique valid ID number: region, birth date, sequence of the right parity."""
        old = self.tables.old_codes.get(code)
        if old is not None and ordinal < old[1]:
            code = old[0]
        region = self.region_sums.get(code)
        if region is None:
            region = self.region_sums[code] = _checksum_part(code, 0)
        _, birth, birth_sum = day
        sequence = int(self.random() * 500) * 2 + male
        first17 = code + birth + SEQUENCES[sequence]
        while first17 in self.issued:
            sequence = (sequence + 2) % 1000
            first17 = code + birth + SEQUENCES[sequence]
        self.issued.add(first17)
        total = region + birth_sum + self.sequence_sums[sequence]
        return first17 + ID_CHECK_CHARACTERS[total % 11]

    def phone(self, age: int, rural: bool) -> str:
        if self.random() < data.MOBILE_RATE[age]:
            return f"{self.draw.pick(data.MOBILE_PREFIXES)}{int(self.random() * 1e8):08d}"
        if age >= 75 and not rural and self.random() < data.LANDLINE_SHARE:
            return f"{data.CITY_AREA_CODE}-8{int(self.random() * 1e7):07d}"
        return ""

    def occupation(self, age: int, male: bool, context: _Household) -> str:
        if age < 18:
            return "" if age < 3 else "幼儿园" if age < 6 else "学生"
        if context.work or (age < 23 and self.random() < 0.45):
            return context.work or "学生"
        if age >= (60 if male else 55):
            return "务农" if context.grid.rural and age < 70 else "退休"
        if context.grid.rural and self.random() < 0.7:
            return "务农"
        return self.draw.pick(data.MIGRANT_WORK if context.migrant else data.LOCAL_WORK)

    def tags(self, age: int, male: bool, relation: str, context: _Household) -> tuple[str, ...]:
        tags: list[str] = []
        if age < 3:
            tags.append(INFANT)
        if context.alone and age >= 60:
            tags.append(ALONE)
        if self.random() < data.DISABLED_RATE[age]:
            tags.append(DISABLED)
        if context.low_income:
            tags.append(LOW_INCOME)
        if not male and 20 <= age <= 44 and relation in (HEAD, SPOUSE) and (
                self.random() < data.PREGNANT_SHARE):
            tags.append(PREGNANT)
        if self.random() < data.CHRONIC_RATE[age]:
            tags.append(CHRONIC)
        return tuple(tags)

