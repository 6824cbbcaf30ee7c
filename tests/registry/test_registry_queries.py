"""Registry reads: scope, search and filters, duplicate suggestions, totals from the counters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from registry_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    actor_of,
    make_household,
    make_person,
    resident_id,
)
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from fangkong.errors import NotFound
from fangkong.registry.actions import do_merge_persons, refresh_counters
from fangkong.registry.models import GridCounter, Household
from fangkong.registry.queries import (
    access_household,
    access_person,
    duplicate_suggestions,
    duplicates_of,
    get_grid_counter,
    list_households,
    list_persons,
    local_today,
    registry_totals,
)
from fangkong.registry.schemas import HouseholdFilter, PersonFilter
from fangkong.scope import Actor
from fangkong.web.pagination import PageParams

PAGE = PageParams(page=1, size=50)


def names(
    db: Session, actor: Actor, **filters: object
) -> list[str]:
    rows, _total = list_persons(db, actor, PersonFilter.model_validate(filters), PAGE)
    return [person.name for person in rows]


def years_ago(years: int, days: int = 0) -> date:
    """The birth date of someone who turns `years` old in `days` days."""
    today = local_today()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday + timedelta(days=days)


def test_access_answers_not_found_outside_the_scope(db: Session) -> None:
    household = make_household(db, GRID2, "解放大路9号")
    person = make_person(db, household)
    assert access_person(db, actor_of(db, "grid2"), person.id) is person
    assert access_household(db, actor_of(db, "city"), household.id) is household
    for username in ("grid1", "nanguan", "nanling"):
        with pytest.raises(NotFound):
            access_person(db, actor_of(db, username), person.id)
        with pytest.raises(NotFound):
            access_household(db, actor_of(db, username), household.id)
    with pytest.raises(NotFound):
        access_person(db, actor_of(db, "admin"), 10**9)


def test_list_persons_stays_inside_the_scope_and_the_area(db: Session) -> None:
    make_person(db, name="甲")
    make_person(db, make_household(db, GRID1_NEIGHBOUR, "自由大路3号"), name="乙")
    make_person(db, make_household(db, GRID2, "解放大路9号"), name="丙")
    assert names(db, actor_of(db, "grid1")) == ["甲"]
    assert names(db, actor_of(db, "nanling")) == ["甲", "乙"]
    assert names(db, actor_of(db, "nanling"), area=GRID1_NEIGHBOUR) == ["乙"]
    assert names(db, actor_of(db, "grid1"), area="2201") == ["甲"]
    assert names(db, actor_of(db, "grid1"), area=GRID2) == []
    assert set(names(db, actor_of(db, "city"))) == {"甲", "乙", "丙"}


def test_search_by_name_id_number_and_phone(db: Session) -> None:
    number = resident_id(date(1975, 4, 5), 19)
    make_person(db, name="王小明", id_number=number, phone="13912345678")
    make_person(db, name="李四")
    grid1 = actor_of(db, "grid1")
    assert names(db, grid1, q="小明") == ["王小明"]
    assert names(db, grid1, q=number.lower()) == ["王小明"]
    assert names(db, grid1, q=number[:6] + number[8:17]) == ["王小明"]  # 15 digits
    assert names(db, grid1, q="139 1234 5678") == ["王小明"]
    assert names(db, grid1, q="1391234") == []  # no partial ID or phone search


def test_filters_by_tag_residence_age_and_status(db: Session) -> None:
    make_person(db, name="老人", birth_date=years_ago(85), tags=["elderly_alone"],
                residence="registered")
    make_person(db, name="孩子", birth_date=years_ago(3), tags=["infant"], residence="floating")
    make_person(db, name="青年", birth_date=years_ago(30))
    grid1 = actor_of(db, "grid1")
    assert names(db, grid1, tag="elderly_alone") == ["老人"]
    assert names(db, grid1, residence="floating") == ["孩子"]
    assert names(db, grid1, age="80+") == ["老人"]
    assert names(db, grid1, age="0-6") == ["孩子"]
    assert names(db, grid1, age="18-59") == ["青年"]
    assert names(db, grid1, status="moved_out") == []


def test_age_band_edges_count_full_years(db: Session) -> None:
    make_person(db, name="刚满六十", birth_date=years_ago(60))
    make_person(db, name="明天六十", birth_date=years_ago(60, days=1))
    grid1 = actor_of(db, "grid1")
    assert names(db, grid1, age="60-79") == ["刚满六十"]
    assert names(db, grid1, age="18-59") == ["明天六十"]


def test_households_by_area_and_address(db: Session) -> None:
    make_household(db, address="人民大街1号")
    make_household(db, address="同志街8号", head_name="赵刚")
    make_household(db, GRID2, "人民大街100号")
    grid1 = actor_of(db, "grid1")

    def addresses(actor: Actor, **filters: object) -> list[str]:
        rows, _ = list_households(db, actor, HouseholdFilter.model_validate(filters), PAGE)
        return [row.address for row in rows]

    assert addresses(grid1, q="人民") == ["人民大街1号"]
    assert addresses(grid1, q="赵刚") == ["同志街8号"]
    assert sorted(addresses(actor_of(db, "city"), q="人民")) == ["人民大街100号", "人民大街1号"]


def test_duplicate_suggestions_strong_and_weak(db: Session) -> None:
    born = "1948-06-01"
    first = make_person(db, name="周华", phone="13800001111", birth_date=born)
    second = make_person(db, name="周华", phone="13800001111", birth_date=born)
    third = make_person(db, name="周华", phone="13800002222", birth_date=born)
    make_person(db, name="周华", phone="13800001111", birth_date="1949-06-01")
    groups = duplicate_suggestions(db, actor_of(db, "grid1"))
    strong = [g for g in groups if g.strength == "strong"]
    weak = [g for g in groups if g.strength == "weak"]
    assert [[p.id for p in g.persons] for g in strong] == [[first.id, second.id]]
    assert [[p.id for p in g.persons] for g in weak] == [[first.id, second.id, third.id]]
    assert duplicate_suggestions(db, actor_of(db, "grid2")) == []
    assert {p.id for p in duplicates_of(db, actor_of(db, "grid1"), first)} == {second.id, third.id}
    do_merge_persons(db, actor=actor_of(db, "grid1"), kept=first, merged=second)
    groups = duplicate_suggestions(db, actor_of(db, "grid1"))
    assert [g.strength for g in groups] == ["weak"]


def test_two_records_with_id_numbers_are_never_suggested(db: Session) -> None:
    born = date(1948, 6, 1)
    make_person(db, name="吴敏", phone="13800001111", id_number=resident_id(born, 2))
    make_person(db, name="吴敏", phone="13800001111", id_number=resident_id(born, 4))
    assert duplicate_suggestions(db, actor_of(db, "grid1")) == []


def test_totals_are_the_sum_of_their_children_at_every_level(db: Session) -> None:
    make_person(db, make_household(db), tags=["chronic"])
    neighbour = make_household(db, GRID1_NEIGHBOUR, "自由大路3号")
    make_person(db, neighbour, tags=["chronic", "disabled"])
    make_person(db, make_household(db, GRID2, "解放大路9号"))
    city = registry_totals(db, "2201", "district")
    by_code = {row.area_code: row for row in city.rows}
    assert by_code["220102"].persons == 2
    assert by_code["220102"].tags == {"chronic": 2, "disabled": 1}
    assert by_code["220104"].persons == 1
    assert by_code["220103"].persons == 0  # every district is listed
    assert city.total.persons == sum(row.persons for row in city.rows) == 3
    assert city.total.households == 3
    direct = db.scalar(select(func.sum(GridCounter.persons)).where(
        GridCounter.area_code.like("2201%")))
    assert city.total.persons == direct
    community = registry_totals(db, "220102001001", "grid")
    assert [(row.area_code, row.persons) for row in community.rows] == [
        (GRID1, 1), (GRID1_NEIGHBOUR, 1)]
    for prefix, level in (("220102", "street"), ("220102001", "community")):
        assert registry_totals(db, prefix, level).total.persons == 2


def test_refresh_counters_recomputes_what_the_actions_kept(db: Session) -> None:
    household = make_household(db)
    make_person(db, household, tags=["infant"])
    make_person(db, household, tags=["infant", "pregnant"])
    kept = (get_grid_counter(db, GRID1).persons,  # type: ignore[union-attr]
            get_grid_counter(db, GRID1).tags)  # type: ignore[union-attr]
    db.execute(delete(GridCounter).where(GridCounter.area_code == GRID1))
    db.execute(update(Household).values(members=0))
    refresh_counters(db, [GRID1, GRID2])
    row = get_grid_counter(db, GRID1)
    assert row is not None
    assert (row.households, row.persons, row.tags) == (1, *kept)
    assert kept == (2, {"infant": 2, "pregnant": 1})
    db.refresh(household)
    assert household.members == 2
    empty = get_grid_counter(db, GRID2)
    assert empty is not None
    assert (empty.households, empty.persons, empty.tags) == (0, 0, {})
