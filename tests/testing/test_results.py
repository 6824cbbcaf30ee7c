"""Results by form: history, the current result, positives of single tubes (on the list and
alerted at once), retests of pooled tubes, handling a positive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testing_helpers import GRID2, actor_of, collect, hours_ago, make_persons

from fangkong.errors import Invalid, NotFound
from fangkong.permissions import Role
from fangkong.quarantine.models import Alert
from fangkong.scope import SYSTEM, Actor
from fangkong.testing.actions import (
    PositiveHandled,
    ResultConflict,
    do_handle_positive,
    do_record_result,
)
from fangkong.testing.codes import PositiveStatus, Result, Retest
from fangkong.testing.models import Positive, ResultEntry, Sample, SampleMember
from fangkong.testing.queries import list_results

ELSEWHERE = Actor(user_id=None, username="南关医院", role=Role.MEDICAL, area_code="220102")


def record(db: Session, sample: Sample, result: str, at_hours_ago: float, *,
           lab: str = "市检验中心", actor: Actor | None = None) -> str:
    return do_record_result(db, actor=actor or actor_of(db, "hospital"), sample=sample,
                            result=result, reported_at=hours_ago(at_hours_ago), lab=lab)


def test_results_append_and_the_latest_is_current(db: Session) -> None:
    (person,) = make_persons(db, first=500)
    sample = collect(db, [person], "R-0001", at=hours_ago(10))
    assert record(db, sample, "invalid", 8) == "added"
    assert record(db, sample, "negative", 4) == "added"
    assert (sample.result, sample.result_at) == (Result.NEGATIVE, hours_ago(4))
    assert record(db, sample, "invalid", 6, lab="区疾控") == "added"  # earlier: history only
    assert sample.result == Result.NEGATIVE
    assert [entry.result for entry in list_results(db, sample.id)] == [
        "negative", "invalid", "invalid"]
    assert record(db, sample, "negative", 4) == "unchanged"
    assert len(list_results(db, sample.id)) == 3
    with pytest.raises(ResultConflict):
        record(db, sample, "positive", 4)
    assert not db.scalars(select(Positive).where(Positive.sample_id == sample.id)).all()


def test_result_times_are_checked(db: Session) -> None:
    (person,) = make_persons(db, first=510)
    sample = collect(db, [person], "R-0002", at=hours_ago(3))
    with pytest.raises(Invalid) as error:
        record(db, sample, "negative", -2)
    assert set(error.value.fields) == {"reported_at"}
    with pytest.raises(Invalid):
        record(db, sample, "negative", 5)  # before the sample was taken
    with pytest.raises(NotFound):
        record(db, sample, "negative", 1, actor=ELSEWHERE)  # another district
    assert not list_results(db, sample.id)


def test_a_positive_single_sample_is_listed_and_alerted_at_once(db: Session) -> None:
    (person,) = make_persons(db, first=520, names=("阳某",))
    sample = collect(db, [person], "R-0003", at=hours_ago(10))
    record(db, sample, "positive", 2)
    positive = db.scalars(select(Positive).where(Positive.person_id == person.id)).one()
    assert (positive.area_code, positive.status, positive.pooled) == (GRID2, "open", False)
    alert = db.scalars(select(Alert).where(Alert.person_id == person.id)).one()
    assert (alert.kind, alert.area_code, alert.detail["tube_code"]) == (
        "positive", GRID2, "R-0003")
    record(db, sample, "positive", 1, lab="复核实验室")  # still positive: listed once
    assert len(db.scalars(select(Positive).where(Positive.person_id == person.id)).all()) == 1
    assert len(db.scalars(select(Alert).where(Alert.person_id == person.id)).all()) == 1


def test_a_positive_pooled_tube_marks_its_persons_for_retesting(db: Session) -> None:
    persons = make_persons(db, count=10, first=530)
    pooled = collect(db, persons, "R-POOL-01", at=hours_ago(12))
    record(db, pooled, "positive", 8)
    states = set(db.scalars(select(SampleMember.retest).where(
        SampleMember.sample_id == pooled.id)))
    assert states == {Retest.REQUIRED}
    assert not db.scalars(select(Positive).where(Positive.sample_id == pooled.id)).all()
    retest = collect(db, [persons[3]], "R-RETEST-01", at=hours_ago(6))
    assert db.scalar(select(SampleMember.retest).where(
        SampleMember.sample_id == pooled.id, SampleMember.person_id == persons[3].id)) == (
        Retest.DONE)
    record(db, retest, "positive", 1)  # the retest finds the person
    positive = db.scalars(select(Positive).where(Positive.sample_id == retest.id)).one()
    assert positive.person_id == persons[3].id


def test_handling_a_positive(db: Session) -> None:
    (person,) = make_persons(db, first=540)
    sample = collect(db, [person], "R-0004", at=hours_ago(10))
    record(db, sample, "positive", 2)
    positive = db.scalars(select(Positive).where(Positive.sample_id == sample.id)).one()
    with pytest.raises(NotFound):
        do_handle_positive(db, actor=ELSEWHERE, positive=positive, note="x")
    do_handle_positive(db, actor=actor_of(db, "hospital"), positive=positive,
                       note="已转运至定点医院")
    assert (positive.status, positive.handled_note) == (PositiveStatus.HANDLED, "已转运至定点医院")
    with pytest.raises(PositiveHandled):
        do_handle_positive(db, actor=SYSTEM, positive=positive, note="again")


def test_history_entries_carry_the_sample_area(db: Session) -> None:
    (person,) = make_persons(db, first=550)
    sample = collect(db, [person], "R-0005", at=hours_ago(10) - timedelta(minutes=5))
    record(db, sample, "negative", 1)
    entry = db.scalars(select(ResultEntry).where(ResultEntry.sample_id == sample.id)).one()
    assert (entry.area_code, entry.batch_id, entry.lab) == (GRID2, None, "市检验中心")
    assert entry.recorded_by_id == actor_of(db, "hospital").user_id
