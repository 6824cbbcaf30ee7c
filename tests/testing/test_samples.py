"""Collecting samples: single and pooled tubes, their limits, unique tube numbers, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testing_helpers import (
    GRID1,
    GRID2,
    GRID2_NEIGHBOUR,
    actor_of,
    collect,
    hours_ago,
    make_persons,
    today,
)

from fangkong.counters import DailyCounter
from fangkong.errors import Forbidden, Invalid, NotFound
from fangkong.testing.actions import TubeExists
from fangkong.testing.codes import Pool, Result, Retest
from fangkong.testing.models import SampleMember


def taken(db: Session, area: str) -> int:
    return db.scalar(select(DailyCounter.value).where(
        DailyCounter.area_code == area, DailyCounter.day == today(),
        DailyCounter.metric == "samples.taken")) or 0


def test_a_single_sample_of_one_person(db: Session) -> None:
    (person,) = make_persons(db)
    before = taken(db, GRID2)
    sample = collect(db, [person], "NA-0001", actor=actor_of(db, "hospital"),
                     at=hours_ago(0.5))
    assert (sample.pooled, sample.result, sample.area_code) == (False, Result.PENDING, GRID2)
    assert sample.collected_by_id is not None
    members = db.scalars(select(SampleMember).where(SampleMember.sample_id == sample.id)).all()
    assert [(m.person_id, m.area_code, m.retest) for m in members] == [
        (person.id, GRID2, Retest.NONE)]
    assert taken(db, GRID2) == before + 1


def test_a_pooled_tube_holds_up_to_its_limit(db: Session) -> None:
    persons = make_persons(db, count=12, first=200)
    sample = collect(db, persons[:10], "POOL-10-0001", pool=Pool.POOL10)
    assert sample.pooled
    with pytest.raises(Invalid) as error:
        collect(db, persons[:11], "POOL-10-0002", pool=Pool.POOL10)
    assert error.value.params == {"limit": 10}
    assert "person_ids" in error.value.fields
    assert collect(db, persons, "POOL-20-0001", pool=Pool.POOL20).pooled
    assert collect(db, persons, "POOL-AUTO-001").pooled  # 12 persons: a pool of 20 by default
    with pytest.raises(Invalid) as error:
        collect(db, persons[:2], "SINGLE-0002", pool=Pool.SINGLE)
    assert "pool" in error.value.fields
    with pytest.raises(Invalid):
        collect(db, [persons[0], persons[0]], "TWICE-0001")
    with pytest.raises(Invalid):
        collect(db, [], "EMPTY-0001")


def test_more_than_twenty_is_refused(db: Session) -> None:
    persons = make_persons(db, count=21, first=300)
    with pytest.raises(Invalid) as error:
        collect(db, persons, "POOL-21-0001")
    assert error.value.params == {"limit": 20}


def test_a_tube_number_is_used_once(db: Session) -> None:
    first, second = make_persons(db, count=2, first=400)
    collect(db, [first], "DUP-0001")
    with pytest.raises(TubeExists) as error:
        collect(db, [second], "DUP-0001")
    assert error.value.code == "testing.tube_exists"
    assert set(error.value.fields) == {"tube_code"}


def test_a_sample_cannot_be_taken_in_the_future(db: Session) -> None:
    (person,) = make_persons(db, first=410)
    with pytest.raises(Invalid) as error:
        collect(db, [person], "FUTURE-0001", at=hours_ago(-1))
    assert set(error.value.fields) == {"collected_at"}
    assert collect(db, [person], "NOW-0001", at=hours_ago(-0.02)).id  # clock skew tolerated


def test_persons_must_be_in_the_collectors_area(db: Session) -> None:
    (outside,) = make_persons(db, GRID1, first=420)
    with pytest.raises(NotFound):
        collect(db, [outside], "SCOPE-0001", actor=actor_of(db, "hospital"))
    with pytest.raises(Forbidden):
        collect(db, make_persons(db, first=421), "ROLE-0001", actor=actor_of(db, "checkpoint"))


def test_a_pooled_tube_counts_where_most_of_its_persons_live(db: Session) -> None:
    here = make_persons(db, GRID2, count=1, first=430)
    there = make_persons(db, GRID2_NEIGHBOUR, count=2, first=431)
    sample = collect(db, [*here, *there], "MIX-0001")
    assert sample.area_code == GRID2_NEIGHBOUR
    areas = set(db.scalars(select(SampleMember.area_code).where(
        SampleMember.sample_id == sample.id)))
    assert areas == {GRID2, GRID2_NEIGHBOUR}


def test_a_single_sample_is_the_retest_of_an_earlier_pooled_tube(db: Session) -> None:
    persons = make_persons(db, count=3, first=440)
    pooled = collect(db, persons, "RT-POOL-01", at=hours_ago(10))
    db.execute(SampleMember.__table__.update().where(
        SampleMember.sample_id == pooled.id).values(retest=Retest.REQUIRED.value))
    collect(db, [persons[0]], "RT-ONE-01", at=hours_ago(2))
    rows = db.execute(select(SampleMember.person_id, SampleMember.retest).where(
        SampleMember.sample_id == pooled.id)).all()
    states = {row.person_id: row.retest for row in rows}
    assert states == {persons[0].id: Retest.DONE, persons[1].id: Retest.REQUIRED,
                      persons[2].id: Retest.REQUIRED}
    before = collect(db, [persons[1]], "RT-OLD-01", at=hours_ago(10) - timedelta(hours=1))
    assert before.id
    assert db.scalar(select(SampleMember.retest).where(
        SampleMember.sample_id == pooled.id, SampleMember.person_id == persons[1].id)) == (
        Retest.REQUIRED)  # a tube taken before the pooled one is no retest
