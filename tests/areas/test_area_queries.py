"""Reads of the area tree: scope, breadcrumbs, search, counts by code prefix, leaders."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.actions import do_create_leader
from fangkong.areas.models import Area
from fangkong.areas.queries import (
    access_area,
    access_leader,
    count_below,
    count_by_level,
    count_children,
    leaders_by_area,
    list_ancestors,
    list_children,
    list_leaders,
    list_roots,
    search_areas,
)
from fangkong.areas.schemas import LeaderCreate, LeaderDuty
from fangkong.errors import NotFound
from fangkong.permissions import Role
from fangkong.scope import SYSTEM, Actor

NANGUAN = Actor(user_id=None, username="nanguan", role=Role.COMMANDER, area_code="220102")
NANLING = Actor(user_id=None, username="nanling", role=Role.COMMANDER, area_code="220102001")
GRID1 = Actor(user_id=None, username="grid1", role=Role.GRID_WORKER,
              area_code="220102001001001")


def test_access_area_inside_scope(db: Session) -> None:
    assert access_area(db, NANGUAN, "220102001").name == "南岭街道"
    assert access_area(db, SYSTEM, "2201").name == "长春市"


@pytest.mark.parametrize("code", ["220104", "2201", "999999", "22010"])
def test_access_area_outside_scope_is_like_missing(db: Session, code: str) -> None:
    with pytest.raises(NotFound):
        access_area(db, NANGUAN, code)


def test_roots_are_own_area_or_the_top_level(db: Session) -> None:
    assert [area.code for area in list_roots(db, NANLING)] == ["220102001"]
    assert [area.code for area in list_roots(db, SYSTEM)] == ["2201"]


def test_children_in_code_order(db: Session) -> None:
    children = list_children(db, SYSTEM, "2201")
    assert len(children) == 15
    assert [area.code for area in children] == sorted(area.code for area in children)
    assert {area.level for area in children} == {"district"}
    with pytest.raises(NotFound):
        list_children(db, NANLING, "220102")


def test_breadcrumbs_show_only_what_is_in_scope(db: Session) -> None:
    grid = access_area(db, SYSTEM, "220102001001001")
    assert [a.code for a in list_ancestors(db, SYSTEM, grid)] == [
        "2201", "220102", "220102001", "220102001001"]
    assert [a.code for a in list_ancestors(db, NANLING, grid)] == ["220102001", "220102001001"]
    assert list_ancestors(db, SYSTEM, access_area(db, SYSTEM, "2201")) == []


def test_search_by_name_code_and_pinyin_initials(db: Session) -> None:
    by_pinyin = search_areas(db, SYSTEM, "nljd")
    assert [area.name for area in by_pinyin] == ["南岭街道"]
    assert [area.code for area in search_areas(db, SYSTEM, "NLJD")] == ["220102001"]
    by_name = search_areas(db, SYSTEM, "南关")
    assert by_name[0].code == "220102"
    by_code = search_areas(db, SYSTEM, "220102001")
    assert by_code[0].code == "220102001"
    assert all(area.code.startswith("220102001") for area in by_code)
    assert len(by_code) == 1 + 2 + 4  # the street, its communities and their grids


def test_search_orders_by_level_then_code_and_is_limited(db: Session) -> None:
    found = search_areas(db, SYSTEM, "网格", limit=7)
    assert len(found) == 7
    assert [area.code for area in found] == sorted(area.code for area in found)
    mixed = search_areas(db, SYSTEM, "2201", limit=30)
    ranks = [len(area.code) for area in mixed]
    assert ranks == sorted(ranks)


def test_search_is_scoped(db: Session) -> None:
    assert search_areas(db, NANLING, "南关") == []
    assert all(area.code.startswith("220102001") for area in search_areas(db, NANLING, "网格"))
    assert search_areas(db, SYSTEM, "  ") == []


def test_search_treats_like_wildcards_as_text(db: Session) -> None:
    assert search_areas(db, SYSTEM, "%") == []
    assert search_areas(db, SYSTEM, "_") == []


def test_counts_by_level_use_the_code_prefix(db: Session) -> None:
    assert count_by_level(db, "220102001") == {"community": 2, "grid": 4}
    city = count_by_level(db, "2201")
    assert city["district"] == 15
    assert city["street"] == 231
    assert city["community"] == 462
    assert city["grid"] == 924


def test_counts_below_each_child_in_one_query(db: Session) -> None:
    streets = list_children(db, SYSTEM, "220102")
    counts = count_below(db, streets)
    assert set(counts) == {street.code for street in streets}
    assert all(value == {"community": 2, "grid": 4} for value in counts.values())
    assert count_below(db, []) == {}
    assert count_children(db, ["220102", "220102001001001"]) == {
        "220102": len(streets), "220102001001001": 0}


def test_leaders_of_areas(db: Session) -> None:
    leaders = list_leaders(db, ["220102001", "220102"])
    assert [leader.area_code for leader in leaders] == ["220102"] * 2 + ["220102001"] * 2
    assert [leader.duty for leader in leaders[:2]] == ["responsible", "secretary"]
    grouped = leaders_by_area(db, ["220102001", "220102001001001"])
    assert set(grouped) == {"220102001"}


def test_access_leader_is_scoped(db: Session) -> None:
    leader = do_create_leader(db, actor=SYSTEM, data=LeaderCreate(
        area_code="220104", name="刘洋", duty=LeaderDuty.RESPONSIBLE))
    assert access_leader(db, SYSTEM, leader.id) is leader
    with pytest.raises(NotFound):
        access_leader(db, NANGUAN, leader.id)
    with pytest.raises(NotFound):
        access_leader(db, SYSTEM, 10**9)


def test_demo_population_adds_up(db: Session) -> None:
    street = access_area(db, SYSTEM, "220102001")
    grids = db.scalars(select(Area).where(Area.code.like("220102001%"), Area.level == "grid"))
    assert street.population == sum(grid.population or 0 for grid in grids)
