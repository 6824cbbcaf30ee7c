"""The demo population generator: deterministic, valid, and shaped like the census."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from fangkong.areas.demo import DemoSize, tree_rows
from fangkong.registry.codes import HouseholdKind, Relation, Residence, Tag
from fangkong.registry.generate import REFERENCE_DATE, GeneratedHousehold, generate_households
from fangkong.registry.validators import (
    check_id_matches,
    normalise_name,
    normalise_phone,
    parse_id_number,
)

GRIDS = [str(row["code"]) for row in tree_rows("2201", DemoSize(1, 1), 2020)
         if row["level"] == "grid"]
Person = dict[str, object]


def age_of(birth: object, on: date = REFERENCE_DATE) -> int:
    assert isinstance(birth, date)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def tags_of(person: Person) -> tuple[str, ...]:
    tags = person["tags"]
    assert isinstance(tags, tuple)
    return tags


def persons_of(households: list[GeneratedHousehold]) -> list[Person]:
    return [person for household in households for person in household.members]


@pytest.fixture(scope="module")
def sample() -> list[GeneratedHousehold]:
    """100,000 persons over the demo city's grids (one a street)."""
    return list(generate_households(GRIDS, 100_000, 2020))


@pytest.fixture(scope="module")
def people(sample: list[GeneratedHousehold]) -> list[Person]:
    return persons_of(sample)


def share(people: list[Person], test: object) -> float:
    assert callable(test)
    return 100 * sum(1 for person in people if test(person)) / len(people)


def test_the_same_seed_gives_the_same_population() -> None:
    first = list(generate_households(GRIDS[:5], 3000, 7))
    assert first == list(generate_households(GRIDS[:5], 3000, 7))
    assert first != list(generate_households(GRIDS[:5], 3000, 8))


def test_exactly_the_persons_asked_for(sample: list[GeneratedHousehold]) -> None:
    assert len(persons_of(sample)) == 100_000
    assert sum(len(h.members) for h in generate_households(GRIDS, 7, 1)) == 7
    assert list(generate_households(GRIDS, 0, 1)) == []
    with pytest.raises(ValueError, match="grid"):
        next(generate_households([], 10, 1))


def test_every_id_number_is_valid_unique_and_agrees_with_birth_and_sex(
    people: list[Person],
) -> None:
    numbers = [str(person["id_number"]) for person in people]
    assert len(set(numbers)) == len(numbers)
    for person in people:
        resident = parse_id_number(person["id_number"], today=REFERENCE_DATE)
        assert resident.number == person["id_number"]
        birth = person["birth_date"]
        assert isinstance(birth, date)
        check_id_matches(resident, birth_date=birth, sex=str(person["sex"]))
        assert person["id_type"] == "resident_id"


def test_ages_follow_the_census_shares(people: list[Person]) -> None:
    assert share(people, lambda p: age_of(p["birth_date"]) < 15) == pytest.approx(12.14, abs=1.0)
    assert share(people, lambda p: 15 <= age_of(p["birth_date"]) < 60) == pytest.approx(
        67.01, abs=1.0)
    assert share(people, lambda p: age_of(p["birth_date"]) >= 60) == pytest.approx(20.85, abs=1.0)
    assert max(age_of(p["birth_date"]) for p in people) <= 104


def test_about_half_are_men(people: list[Person]) -> None:
    assert share(people, lambda p: p["sex"] == "male") == pytest.approx(50.05, abs=1.0)


def test_family_households_average_2_34_persons(sample: list[GeneratedHousehold]) -> None:
    families = [len(h.members) for h in sample if h.kind == HouseholdKind.FAMILY.value]
    assert sum(families) / len(families) == pytest.approx(2.34, abs=0.04)
    sizes = Counter(min(size, 5) for size in families)
    assert 0.2 < sizes[1] / len(families) < 0.35  # one-person households
    assert sizes[5] > 0
    assert any(h.kind == HouseholdKind.COLLECTIVE.value and len(h.members) >= 4 for h in sample)


def test_every_phone_is_a_valid_canonical_number(people: list[Person]) -> None:
    phones = [str(p["phone"]) for p in people if p["phone"]]
    assert all(normalise_phone(phone) == phone for phone in phones)
    adults = [p for p in people if 18 <= age_of(p["birth_date"]) < 70]
    assert share(adults, lambda p: len(str(p["phone"])) == 11) > 90
    assert any("-" in phone for phone in phones)  # some old people keep a landline


def test_names_are_plausible_and_normalised(people: list[Person]) -> None:
    names = [str(p["name"]) for p in people]
    assert all(normalise_name(name) == name for name in names)
    assert all(2 <= len(name) <= 4 for name in names if "·" not in name)
    surnames = Counter(name[0] for name in names)
    assert {surname for surname, _ in surnames.most_common(4)} >= {"王", "李", "张"}
    assert len(surnames) > 80


def test_region_codes_are_mostly_the_city_with_old_codes_and_other_provinces(
    people: list[Person],
) -> None:
    codes = [str(p["id_number"])[:6] for p in people]
    local = sum(code[:4] == "2201" or code in ("220381", "220181") for code in codes)
    assert local / len(codes) > 0.6
    assert "220381" in codes  # 公主岭, everyone born before 2020-06
    assert "220184" not in codes  # …so nobody yet at the reference date
    assert "220181" in codes
    assert "220113" in codes
    provinces = {code[:2] for code in codes}
    assert len(provinces - {"22"}) >= 10
    for person in people:
        if str(person["id_number"]).startswith("220113"):
            assert age_of(person["birth_date"]) <= age_of(date(2014, 11, 1))


def test_a_floating_population_of_about_3_5_in_9_07_million(people: list[Person]) -> None:
    floating = share(people, lambda p: p["residence"] != Residence.REGISTERED.value)
    assert floating == pytest.approx(100 * 3.509 / 9.067, abs=3.0)
    assert {p["residence"] for p in people} == {item.value for item in Residence}


def test_each_household_has_one_head_first_and_known_relations(
    sample: list[GeneratedHousehold],
) -> None:
    relations = {item.value for item in Relation}
    for household in sample:
        assert household.members[0]["relation"] == Relation.HEAD.value
        assert [m["relation"] for m in household.members].count(Relation.HEAD.value) == 1
        assert {m["relation"] for m in household.members} <= relations
        assert all(m["household_code"] == household.code for m in household.members)
        assert all(m["area_code"] == household.area_code for m in household.members)
    used = Counter(m["relation"] for h in sample for m in h.members)
    assert set(used) == relations


def test_household_codes_addresses_and_grids(sample: list[GeneratedHousehold]) -> None:
    codes = [household.code for household in sample]
    assert len(set(codes)) == len(codes)
    for household in sample:
        assert household.area_code in GRIDS
        assert household.code[:15] == household.area_code
        assert household.code[15:].isdigit()
        assert len(household.code) == 20
        assert household.address.endswith(("室", "号"))
    assert any("单元" in h.address for h in sample)
    assert any("组" in h.address and h.address.endswith("号") for h in sample)  # villages
    row = sample[0].as_row()
    assert row["head_name"] == sample[0].members[0]["name"]
    assert row["members"] == len(sample[0].members)


def test_persons_spread_evenly_over_the_grids(sample: list[GeneratedHousehold]) -> None:
    per_grid: Counter[str] = Counter()
    for household in sample:
        per_grid[household.area_code] += len(household.members)
    assert set(per_grid) == set(GRIDS)
    mean = 100_000 / len(GRIDS)
    assert all(0.75 * mean < count < 1.25 * mean for count in per_grid.values())


def test_special_groups_at_plausible_rates(people: list[Person]) -> None:
    tagged = Counter(tag for p in people for tag in tags_of(p))
    assert set(tagged) == {item.value for item in Tag}
    for person in people:
        tags, age = tags_of(person), age_of(person["birth_date"])
        assert (Tag.INFANT.value in tags) == (age < 3)
        if Tag.ELDERLY_ALONE.value in tags:
            assert age >= 60
        if Tag.PREGNANT.value in tags:
            assert person["sex"] == "female"
            assert 20 <= age <= 44
    rates = {tag: 100 * count / len(people) for tag, count in tagged.items()}
    assert 1 < rates[Tag.DISABLED.value] < 6
    assert 1 < rates[Tag.LOW_INCOME.value] < 5
    assert 2 < rates[Tag.ELDERLY_ALONE.value] < 6
    assert 0.1 < rates[Tag.PREGNANT.value] < 1.5
    assert 5 < rates[Tag.CHRONIC.value] < 25


def test_the_elderly_alone_live_alone(sample: list[GeneratedHousehold]) -> None:
    for household in sample:
        if any(Tag.ELDERLY_ALONE.value in tags_of(m) for m in household.members):
            assert len(household.members) == 1


def test_dormitory_rooms_are_single_sex_and_nursing_homes_old(
    sample: list[GeneratedHousehold],
) -> None:
    collective = [h for h in sample if h.kind == HouseholdKind.COLLECTIVE.value]
    assert len(collective) > 100
    for household in collective:
        sexes = {member["sex"] for member in household.members}
        ages = [age_of(member["birth_date"]) for member in household.members]
        if min(ages) >= 70:
            continue  # a nursing home
        assert len(sexes) == 1
        assert max(ages) <= 55
    assert any(min(age_of(m["birth_date"]) for m in h.members) >= 70 for h in collective)
