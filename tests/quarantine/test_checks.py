"""Health checks in the policy's windows, fever and symptom alerts at once, missed checks raised
by the sweep once per window, and the personal link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from quarantine_helpers import GRID1, ZONE, at_local, days_ago, members_of, today
from quarantine_helpers import quarantine as start
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.security import token_hash
from fangkong.counters import DailyCounter
from fangkong.errors import NotFound
from fangkong.policy import do_set_policy
from fangkong.quarantine.actions import (
    do_end_early,
    do_issue_check_link,
    do_revoke_check_link,
)
from fangkong.quarantine.alerts import do_raise_missed_check_alerts
from fangkong.quarantine.checks import (
    SELF_CHECKS_PER_DAY,
    CheckInvalid,
    LinkGone,
    TooManyChecks,
    do_record_check,
    do_record_self_check,
    quarantine_by_link,
)
from fangkong.quarantine.models import Alert, HealthCheck, Quarantine
from fangkong.quarantine.windows import CheckPolicy, parse_windows
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM

WINDOWS = CheckPolicy(parse_windows([["06:00", "10:00"], ["16:00", "20:00"]]), Decimal("37.3"))


@pytest.fixture
def row(db: Session, household: Household) -> Quarantine:
    """A home quarantine ordered yesterday at 07:00 (local), started the same day."""
    return start(db, members_of(db, household)[0], start=days_ago(1),
                 now=at_local(days_ago(1), 7))


def alerts(db: Session, quarantine: Quarantine, kind: str | None = None) -> list[Alert]:
    stmt = select(Alert).where(Alert.quarantine_id == quarantine.id).order_by(Alert.id)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return list(db.scalars(stmt))


@pytest.mark.parametrize(("hour", "minute", "day_back", "window", "inside"), [
    (7, 0, 0, 0, True), (9, 59, 0, 0, True), (10, 0, 0, 0, False), (15, 59, 0, 0, False),
    (16, 0, 0, 1, True), (21, 30, 0, 1, False), (5, 59, 1, 1, False), (0, 5, 1, 1, False),
])
def test_a_moment_belongs_to_its_window_or_the_nearest_previous_one(
    hour: int, minute: int, day_back: int, window: int, inside: bool
) -> None:
    slot = WINDOWS.slot(at_local(today(), hour, minute), ZONE)
    assert (slot.day, slot.window, slot.inside) == (today() - timedelta(days=day_back), window,
                                                    inside)


def test_a_normal_check_is_stored_and_counted_without_alert(
    db: Session, row: Quarantine, actors
) -> None:
    done = do_record_check(db, actor=actors("grid1"), quarantine=row, temperature="36.6",
                           symptoms=[], now=at_local(today(), 8))
    assert done.alert is None
    assert done.inside
    assert (done.check.day, done.check.window, done.check.by) == (today(), 0, "worker")
    counted = db.get(DailyCounter, (GRID1, today(), "checks.done"))
    assert counted is not None
    assert counted.value == 1


def test_fever_and_symptoms_raise_an_alert_at_once(db: Session, row: Quarantine) -> None:
    fever = do_record_check(db, actor=SYSTEM, quarantine=row, temperature=Decimal("37.3"),
                            symptoms=["cough"], now=at_local(today(), 8))
    assert fever.alert is not None
    assert fever.alert.kind == "fever"
    assert fever.alert.detail["symptoms"] == ["cough"]
    cough = do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.8",
                            symptoms=["sore_throat", "cough", "cough"], now=at_local(today(), 17))
    assert cough.alert is not None
    assert cough.alert.kind == "symptom"
    assert cough.check.symptoms == ["cough", "sore_throat"]
    assert [alert.kind for alert in alerts(db, row)] == ["fever", "symptom"]
    assert {alert.area_code for alert in alerts(db, row)} == {GRID1}


def test_the_threshold_comes_from_policy(db: Session, row: Quarantine) -> None:
    do_set_policy(db, actor=SYSTEM, key="checks.fever_celsius", value=37.5)
    done = do_record_check(db, actor=SYSTEM, quarantine=row, temperature="37.4", symptoms=[],
                           now=at_local(today(), 8))
    assert done.alert is None


@pytest.mark.parametrize("temperature", ["33.9", "43.1", "abc", "-1", "380"])
def test_temperatures_outside_34_to_43_are_refused_and_nothing_is_stored(
    db: Session, row: Quarantine, temperature: str
) -> None:
    with pytest.raises(CheckInvalid) as raised:
        do_record_check(db, actor=SYSTEM, quarantine=row, temperature=temperature, symptoms=[])
    assert "temperature" in raised.value.fields
    assert not db.scalar(select(func.count()).select_from(HealthCheck).where(
        HealthCheck.quarantine_id == row.id))


def test_an_unknown_symptom_is_refused(db: Session, row: Quarantine) -> None:
    with pytest.raises(CheckInvalid):
        do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.5",
                        symptoms=["headache!"])


def test_a_grid_worker_checks_only_their_own_area(db: Session, row: Quarantine, actors) -> None:
    with pytest.raises(NotFound):
        do_record_check(db, actor=actors("grid2"), quarantine=row, temperature="36.5",
                        symptoms=[])


def test_missed_checks_raise_one_alert_per_window_and_the_sweep_is_idempotent(
    db: Session, row: Quarantine
) -> None:
    yesterday = days_ago(1)
    do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.5", symptoms=[],
                    now=at_local(yesterday, 8))  # yesterday's morning done; evening missed
    now = at_local(today(), 12)  # this morning's window has closed too
    raised = do_raise_missed_check_alerts(db, now=now, policy=WINDOWS)
    missed = alerts(db, row, "missed_check")
    assert raised >= 2
    assert sorted((alert.detail["day"], alert.detail["window"]) for alert in missed) == [
        (yesterday.isoformat(), 1), (today().isoformat(), 0)]
    assert do_raise_missed_check_alerts(db, now=now, policy=WINDOWS) == 0
    assert len(alerts(db, row, "missed_check")) == 2
    counted = db.get(DailyCounter, (GRID1, today(), "alerts.raised.missed_check"))
    assert counted is not None
    assert counted.value >= 1


def test_a_window_closed_before_the_order_is_not_missed(db: Session, household: Household) -> None:
    late = start(db, members_of(db, household)[1], now=at_local(today(), 11))
    do_raise_missed_check_alerts(db, now=at_local(today(), 12), policy=WINDOWS)
    assert not alerts(db, late, "missed_check")
    do_raise_missed_check_alerts(db, now=at_local(today(), 20, 1), policy=WINDOWS)
    assert [alert.detail["window"] for alert in alerts(db, late, "missed_check")] == [1]


def test_an_ended_quarantine_misses_nothing(db: Session, row: Quarantine) -> None:
    do_end_early(db, actor=SYSTEM, quarantine=row, reason="误录", now=at_local(days_ago(1), 9))
    do_raise_missed_check_alerts(db, now=at_local(today(), 21), policy=WINDOWS)
    assert not alerts(db, row, "missed_check")


def test_the_personal_link_opens_only_its_quarantine_until_revoked_or_ended(
    db: Session, row: Quarantine, actors
) -> None:
    path = do_issue_check_link(db, actor=actors("grid1"), quarantine=row)
    token = path.rsplit("/", 1)[1]
    assert row.check_token_hash == token_hash(token)
    assert token not in (row.check_token_hash or "")
    assert quarantine_by_link(db, token) is row
    done = do_record_self_check(db, quarantine=row, temperature="36.4", symptoms=[],
                                client_addr="10.0.0.1")
    assert done.check.by == "self"
    assert done.check.actor_id is None
    with pytest.raises(NotFound):
        quarantine_by_link(db, token[:-1] + ("A" if token[-1] != "A" else "B"))
    do_revoke_check_link(db, actor=actors("grid1"), quarantine=row)
    with pytest.raises(LinkGone):
        quarantine_by_link(db, token)
    second = do_issue_check_link(db, actor=actors("grid1"), quarantine=row).rsplit("/", 1)[1]
    assert quarantine_by_link(db, second) is row
    with pytest.raises(NotFound):
        quarantine_by_link(db, token)  # the old link was replaced
    do_end_early(db, actor=SYSTEM, quarantine=row, reason="转出本市")
    with pytest.raises(LinkGone):
        quarantine_by_link(db, second)


def test_a_link_reports_a_dozen_checks_a_day_at_most(db: Session, row: Quarantine) -> None:
    for _ in range(SELF_CHECKS_PER_DAY):
        do_record_self_check(db, quarantine=row, temperature="36.4", symptoms=[],
                             client_addr="10.0.0.1")
    with pytest.raises(TooManyChecks):
        do_record_self_check(db, quarantine=row, temperature="36.4", symptoms=[],
                             client_addr="10.0.0.1")


def test_a_check_before_the_first_window_of_a_new_quarantine_counts_for_the_next_one(
    db: Session, household: Household
) -> None:
    ordered = at_local(today(), 0, 30)
    row = start(db, members_of(db, household)[1], now=ordered)
    done = do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.5", symptoms=[],
                           now=at_local(today(), 0, 40), policy=WINDOWS)
    assert (done.check.day, done.check.window, done.inside) == (today(), 0, False)
    older = start(db, members_of(db, household)[0], start=days_ago(3),
                  now=at_local(days_ago(3), 9))
    late = do_record_check(db, actor=SYSTEM, quarantine=older, temperature="36.5", symptoms=[],
                           now=at_local(today(), 0, 40), policy=WINDOWS)
    assert (late.check.day, late.check.window) == (days_ago(1), 1)  # yesterday evening's
