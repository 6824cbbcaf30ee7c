"""The bulk upsert on its own: what it refuses, what it counts, how it meets a concurrent
writer, and the demo population loaded through it."""

from __future__ import annotations

from datetime import date

import pytest
from registry_helpers import GRID1, GRID1_NEIGHBOUR, GRID2, actor_of, make_household, make_person
from registry_helpers import resident_id as rid
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.registry.actions import do_merge_persons
from fangkong.registry.bulk import MERGED, OUTSIDE_PERSON, SPLIT_HOUSEHOLD, upsert_persons
from fangkong.registry.bulk_households import OTHER_GRID, OUTSIDE_HOUSEHOLD, upsert_households
from fangkong.registry.bulk_writer import BulkWriter, ConcurrentChange
from fangkong.registry.counting import refresh_counters
from fangkong.registry.demo import do_load_demo_population
from fangkong.registry.importer_rows import HouseholdIn, PersonIn
from fangkong.registry.models import GridCounter, Household, Person, PersonMove, PersonTag

ONE, TWO, THREE = rid(date(1980, 5, 1), 11), rid(date(1982, 6, 2), 22), rid(date(2010, 1, 3), 31)


def person(row: int, number: str | None, *, grid: str = GRID1, code: str | None = None,
           address: str | None = "人民大街1号", name: str = "王伟", relation: str | None = None,
           tags: tuple[str, ...] | None = None, birth: date | None = None) -> PersonIn:
    return PersonIn(row, name, "resident_id", number, None, birth, None, None, None, None,
                    relation, tags, grid, code, address)


def counters(db: Session, grids: list[str]) -> list[tuple[object, ...]]:
    """Each grid's counts (zeros for a grid without a counter row) and each member count."""
    db.expire_all()
    found = {row[0]: tuple(row[1:]) for row in db.execute(select(
        GridCounter.area_code, GridCounter.households, GridCounter.persons, GridCounter.tags,
    ).where(GridCounter.area_code.in_(grids)))}
    members = db.execute(select(Household.id, Household.members).where(
        Household.area_code.in_(grids)).order_by(Household.id))
    return [(grid, *found.get(grid, (0, 0, {}))) for grid in sorted(grids)] + [
        tuple(row) for row in members]


def assert_counters_exact(db: Session, grids: list[str]) -> None:
    kept = counters(db, grids)
    refresh_counters(db, grids)
    db.flush()
    assert kept == counters(db, grids)


def test_records_outside_the_scope_or_in_another_grid_are_refused(db: Session) -> None:
    elsewhere = make_household(db, GRID2, "朝阳区某街1号", code="H-OUT")
    neighbour = make_household(db, GRID1_NEIGHBOUR, "人民大街9号", code="H-NEXT")
    make_person(db, elsewhere, "赵六", id_number=THREE)
    outcome = upsert_persons(db, scope=GRID1[:12], persons=[
        person(1, ONE, code="H-OUT"), person(2, TWO, code="H-NEXT"),
        person(3, THREE, name="赵六"), person(4, rid(date(1990, 1, 1), 41), code="H-A"),
        person(5, rid(date(1991, 1, 1), 51), code="H-A", grid=GRID1_NEIGHBOUR),
    ])
    assert outcome.rejected == {1: {"household_code": OUTSIDE_HOUSEHOLD},
                                2: {"household_code": OTHER_GRID},
                                3: {"id_number": OUTSIDE_PERSON},
                                5: {"grid": SPLIT_HOUSEHOLD}}
    assert db.get(Household, neighbour.id).members == 0  # type: ignore[union-attr]


def test_a_merged_record_is_not_revived(db: Session) -> None:
    home = make_household(db)
    kept = make_person(db, home, "王伟", id_number=ONE)
    duplicate = make_person(db, home, "王伟", birth_date="1980-05-01", sex="male")
    do_merge_persons(db, actor=actor_of(db, "admin"), kept=kept, merged=duplicate)
    outcome = upsert_persons(db, scope="", persons=[
        person(1, None, name="王伟", address=home.address, birth=date(1980, 5, 1))])
    assert outcome.rejected == {1: {"id_number": MERGED}}
    assert outcome.tally()["added"] == 0


def test_moves_between_grids_keep_the_counters_exact(db: Session) -> None:
    upsert_persons(db, scope="", persons=[
        person(1, ONE, relation="head", tags=("chronic",)), person(2, TWO, tags=("disabled",))])
    assert_counters_exact(db, [GRID1, GRID1_NEIGHBOUR])
    moved = upsert_persons(db, scope="", persons=[
        person(1, TWO, grid=GRID1_NEIGHBOUR, address="人民大街9号", tags=("pregnant",))])
    assert moved.tally()["updated"] == 1
    assert_counters_exact(db, [GRID1, GRID1_NEIGHBOUR])
    stored = db.scalar(select(Person).where(Person.id_number == TWO))
    assert stored is not None
    assert stored.area_code == GRID1_NEIGHBOUR
    assert db.scalar(select(PersonTag.area_code).where(PersonTag.person_id == stored.id)) == (
        GRID1_NEIGHBOUR)
    assert db.scalar(select(func.count()).select_from(PersonMove).where(
        PersonMove.person_id == stored.id)) == 1


def test_households_of_a_household_sheet(db: Session) -> None:
    items = [HouseholdIn(1, "H-1", GRID1, "人民大街1号", "王伟", "13812345678", "family", None),
             HouseholdIn(2, None, GRID1, "人民大街2号", None, None, "collective", "宿舍"),
             HouseholdIn(3, "H-1", GRID1, "人民大街1号", None, None, None, None)]
    outcome = upsert_households(db, scope=GRID1, households=items)
    assert outcome.tally()["added"] == 2
    assert set(outcome.rejected) == {3}
    generated = db.scalar(select(Household).where(Household.address == "人民大街2号"))
    assert generated is not None
    assert generated.code.startswith(f"{GRID1}-")
    assert (generated.kind, generated.notes) == ("collective", "宿舍")
    again = upsert_households(db, scope=GRID1, households=items[:2])
    assert again.tally()["unchanged"] == 2
    assert_counters_exact(db, [GRID1])


def test_a_row_another_writer_inserted_meanwhile_is_told(db: Session) -> None:
    writer = BulkWriter(db)
    columns = ("code", "area_code", "address", "kind", "head_name", "phone", "members", "notes",
               "created_at", "updated_at")
    stamp = writer.stamp(utcnow())
    row = ("H-RACE", GRID1, "人民大街1号", "family", "", "", 0, "", stamp, stamp)
    writer.insert("households", columns, [row])
    with pytest.raises(ConcurrentChange):
        writer.insert("households", columns, [row])


def test_json_written_by_the_writer_reads_back_through_the_model(db: Session) -> None:
    writer = BulkWriter(db)
    stamp = writer.stamp(utcnow())
    writer.execute_many("INSERT INTO registry_counters (area_code, households, persons, tags, "
                        "updated_at) VALUES (?, 0, 0, '{}', ?)", [(GRID1, stamp), (GRID2, stamp)])
    found = writer.fetch("registry_counters", ("area_code", "households"), key="area_code",
                         values=[GRID1, GRID2, "nowhere"], lock=True)
    assert sorted(found) == [(GRID1, 0), (GRID2, 0)]
    writer.set_json("registry_counters", "tags", [({"low_income": 2, "disabled": 1}, GRID1)],
                    key="area_code")
    db.expire_all()
    counters = {c.area_code: c.tags for c in db.scalars(select(GridCounter).where(
        GridCounter.area_code.in_([GRID1, GRID2])))}
    assert counters == {GRID1: {"low_income": 2, "disabled": 1}, GRID2: {}}


def test_the_demo_population_is_loaded_once_with_exact_counters(db: Session) -> None:
    added = do_load_demo_population(db, persons=400, seed=11, city_code="220102")
    assert added == 400
    grids = list(db.scalars(select(GridCounter.area_code).where(
        GridCounter.area_code.like("220102%"))))
    assert sum(db.scalars(select(GridCounter.persons).where(
        GridCounter.area_code.in_(grids)))) == 400
    assert db.scalar(select(func.count()).select_from(Household).where(
        Household.kind == "collective")) is not None
    assert_counters_exact(db, grids)
    assert do_load_demo_population(db, persons=400, seed=11, city_code="220102") == 0
