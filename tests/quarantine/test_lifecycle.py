"""A quarantine's life: the order, one active quarantine per person, extensions, release with
its rule, transfer to hospital, early end; audited and counted for the daily report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from quarantine_helpers import GRID1, at_local, days_ago, make_person, members_of, today
from quarantine_helpers import quarantine as start
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.counters import DailyCounter
from fangkong.errors import Forbidden, NotFound
from fangkong.policy import do_set_policy
from fangkong.quarantine.actions import (
    AlreadyQuarantined,
    NotActive,
    QuarantineInvalid,
    do_end_early,
    do_extend_quarantine,
    do_transfer_to_hospital,
)
from fangkong.quarantine.alerts import do_raise_alert
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.codes import QuarantineKind, QuarantineStatus
from fangkong.quarantine.models import Extension
from fangkong.quarantine.release import (
    NotDue,
    ReleaseRuleNotMet,
    do_release,
    do_release_all_due,
    release_list,
)
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM, Actor
from fangkong.testing.models import Sample, SampleMember

Actors = Callable[[str], Actor]


def counter(db: Session, metric: str, area: str = GRID1) -> int:
    row = db.get(DailyCounter, (area, today(), metric))
    return row.value if row else 0


def negative_test(db: Session, person_id: int, area: str, *, days_back: int = 1,
                  result: str = "negative") -> None:
    sample = Sample(tube_code=f"T{person_id}-{days_back}-{result}", area_code=area,
                    reason="quarantine", collected_at=at_local(days_ago(days_back), 9),
                    result=result)
    db.add(sample)
    db.flush()
    db.add(SampleMember(sample_id=sample.id, person_id=person_id, area_code=area))
    db.flush()


def test_the_order_is_recorded_with_the_planned_end_from_policy(
    db: Session, actors: Actors, household: Household
) -> None:
    grid1 = actors("grid1")
    person = members_of(db, household)[0]
    before = counter(db, "quarantine.new.home")
    row = start(db, person, actor=grid1)
    assert row.planned_end == today() + timedelta(days=14)
    assert row.ordered_by_name == "网格员一"
    assert row.ordered_by_id == grid1.user_id
    assert row.home_address == household.address
    assert row.area_code == GRID1
    assert counter(db, "quarantine.new.home") == before + 1
    audit = db.scalars(select(AuditEntry).where(AuditEntry.resource == "quarantine",
                                                AuditEntry.record_id == str(row.id))).one()
    assert audit.actor_name == "grid1"
    assert audit.detail["kind"] == "home"
    do_set_policy(db, actor=SYSTEM, key="quarantine.default_days", value=7)
    other = start(db, members_of(db, household)[1], kind=QuarantineKind.MONITORING)
    assert other.planned_end == today() + timedelta(days=7)


def test_a_person_has_one_active_quarantine(db: Session, household: Household) -> None:
    person = members_of(db, household)[0]
    first = start(db, person)
    with pytest.raises(AlreadyQuarantined):
        start(db, person, kind=QuarantineKind.MONITORING)
    do_end_early(db, actor=SYSTEM, quarantine=first, reason="误录")
    assert start(db, person).status == QuarantineStatus.ACTIVE


def test_scope_and_permission_of_starting(db: Session, actors: Actors) -> None:
    far = make_person(db, grid="220104001001001", name="朝阳居民")
    with pytest.raises(NotFound):
        start(db, far, actor=actors("grid1"))
    with pytest.raises(Forbidden):
        start(db, make_person(db), actor=actors("checkpoint"))


def test_extension_moves_the_planned_end_with_a_reason(db: Session, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    end = row.planned_end
    do_extend_quarantine(db, actor=SYSTEM, quarantine=row, days=7, reason="密接者复阳")
    assert row.planned_end == end + timedelta(days=7)
    assert db.scalars(select(Extension.reason)).all()[-1] == "密接者复阳"
    with pytest.raises(QuarantineInvalid):
        do_extend_quarantine(db, actor=SYSTEM, quarantine=row, days=0, reason="")


def test_transfer_to_hospital_records_where_and_why(db: Session, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    do_transfer_to_hospital(db, actor=SYSTEM, quarantine=row, hospital="长春市传染病医院",
                            reason="体温38.5℃，咳嗽")
    assert (row.status, row.hospital, row.end_reason) == ("hospital", "长春市传染病医院",
                                                          "体温38.5℃，咳嗽")
    assert row.ended_at is not None
    assert counter(db, "quarantine.hospital") >= 1
    with pytest.raises(NotActive):
        do_end_early(db, actor=SYSTEM, quarantine=row, reason="again")


def test_release_follows_the_rule(db: Session, household: Household) -> None:
    quiet, noisy = members_of(db, household)
    due = start(db, quiet, start=days_ago(14))
    alarmed = start(db, noisy, start=days_ago(15))
    assert due.planned_end == today()
    with pytest.raises(ReleaseRuleNotMet):  # no negative test yet
        do_release(db, actor=SYSTEM, quarantine=due)
    negative_test(db, quiet.id, GRID1)
    negative_test(db, noisy.id, GRID1)
    do_record_check(db, actor=SYSTEM, quarantine=alarmed, temperature="37.8", symptoms=[],
                    now=at_local(days_ago(1), 8))
    verdicts = {verdict.quarantine.id: verdict for verdict in release_list(db, SYSTEM, today())}
    assert verdicts[due.id].meets_rule
    assert not verdicts[alarmed.id].meets_rule
    assert verdicts[alarmed.id].problems == ["An alert in the last days"]
    released = do_release_all_due(db, actor=SYSTEM, day=today())
    assert [row.id for row in released] == [due.id]
    assert due.status == "released"
    assert alarmed.status == "active"
    do_release(db, actor=SYSTEM, quarantine=alarmed, override_reason="专家组会商同意")
    assert "专家组会商同意" in alarmed.end_reason


def test_a_test_before_the_start_or_a_positive_does_not_count(
    db: Session, household: Household
) -> None:
    person = members_of(db, household)[0]
    row = start(db, person, start=days_ago(14))
    negative_test(db, person.id, GRID1, days_back=20)
    negative_test(db, person.id, GRID1, days_back=2, result="positive")
    (verdict,) = release_list(db, SYSTEM, today())
    assert verdict.problems == ["No negative test recorded since the start"]
    do_set_policy(db, actor=SYSTEM, key="release.requires_negative_test", value=False)
    (verdict,) = release_list(db, SYSTEM, today())
    assert verdict.meets_rule
    do_release(db, actor=SYSTEM, quarantine=row)


def test_release_waits_for_the_planned_end(db: Session, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    with pytest.raises(NotDue):
        do_release(db, actor=SYSTEM, quarantine=row, override_reason="提前")


def test_a_positive_alert_from_testing_is_raised_once(db: Session, household: Household) -> None:
    person = members_of(db, household)[0]
    row = start(db, person)
    first = do_raise_alert(db, person=person, area_code=person.area_code, kind="positive",
                           detail={"sample_id": 1}, dedupe_key="positive:1")
    assert first is not None
    assert first.quarantine_id == row.id
    assert first.kind == "positive"
    again = do_raise_alert(db, person=person, area_code=person.area_code, kind="positive",
                           detail={"sample_id": 1}, dedupe_key="positive:1")
    assert again is None
    assert counter(db, "alerts.raised.positive") == 1


def test_a_check_after_the_end_is_refused(db: Session, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    do_end_early(db, actor=SYSTEM, quarantine=row, reason="误录")
    with pytest.raises(NotActive):
        do_record_check(db, actor=SYSTEM, quarantine=row, temperature=Decimal("36.5"),
                        symptoms=[])
