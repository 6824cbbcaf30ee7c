"""Alerts (预警): fever, symptoms, a missed check, a positive test. Each goes to the community
and up the chain (whoever's area contains it sees it), is acknowledged with what was done."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, and_, cast, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.counters import bump_daily
from fangkong.db import utcnow
from fangkong.errors import Conflict, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.quarantine.codes import DEFAULT_ZONE, AlertKind, AlertStatus, QuarantineStatus
from fangkong.quarantine.models import Alert, HealthCheck, Quarantine
from fangkong.quarantine.schemas import AlertAck, AlertFilter
from fangkong.quarantine.windows import CheckPolicy, Window
from fangkong.registry.models import Person
from fangkong.scope import Actor, in_scope

SWEEP_DAYS = 3
"""How far back the sweep looks for windows without a check (it runs every few minutes)."""
SWEEP_BATCH = 500


class AlertClosed(Conflict):
    code = "quarantine.alert_closed"

    @classmethod
    def default_message(cls) -> str:
        return N_("This alert is closed.")


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def count_alert(session: Session, *, area_code: str, kind: str, moment: datetime,
                zone: ZoneInfo, by: int = 1) -> None:
    bump_daily(session, area_code=area_code, day=moment.astimezone(zone).date(),
               metric=f"alerts.raised.{kind}", by=by)


def active_quarantine_id(session: Session, person_id: int) -> int | None:
    return session.scalar(select(Quarantine.id).where(
        Quarantine.person_id == person_id, Quarantine.status == QuarantineStatus.ACTIVE.value))


def do_raise_alert(
    session: Session, *, person: Person, area_code: str, kind: AlertKind | str,
    detail: dict[str, Any], quarantine: Quarantine | None = None, dedupe_key: str | None = None,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Alert | None:
    """Raise an alert for a person (linked to their active quarantine when none is given).

    With a `dedupe_key` the alert is raised once: a second call with the same key returns None
    and changes nothing (INSERT … ON CONFLICT DO NOTHING, safe under concurrency). Testing
    calls this with kind `positive` for a positive result.
    """
    moment = now or utcnow()
    kind = AlertKind(kind)
    quarantine_id = quarantine.id if quarantine is not None else active_quarantine_id(
        session, person.id)
    values = {"quarantine_id": quarantine_id, "person_id": person.id, "area_code": area_code,
              "kind": kind.value, "detail": detail, "raised_at": moment,
              "dedupe_key": dedupe_key, "status": AlertStatus.OPEN.value, "action_taken": ""}
    stmt = _insert(session)(Alert).values(values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(Alert.id)
    alert_id = session.scalar(stmt)
    if alert_id is None:
        return None
    count_alert(session, area_code=area_code, kind=kind.value, moment=moment, zone=zone)
    return session.get(Alert, alert_id)


# --- missed checks --------------------------------------------------------------------------


def _missed_candidates(
    session: Session, *, day: date, window: Window, closed: datetime, scope: str
) -> list[tuple[int, int, str]]:
    """(quarantine, person, area) of active quarantines that had the window, without a check in
    it and without its alert yet (both looked up by index)."""
    key = literal("missed:") + cast(Quarantine.id, String) + literal(
        f":{day.isoformat()}:{window.index}")
    has_check = exists().where(HealthCheck.quarantine_id == Quarantine.id,
                               HealthCheck.day == day, HealthCheck.window == window.index)
    has_alert = exists().where(Alert.dedupe_key == key)
    stmt = (select(Quarantine.id, Quarantine.person_id, Quarantine.area_code)
            .where(Quarantine.status == QuarantineStatus.ACTIVE.value,
                   in_scope(Quarantine.area_code.expression, scope),
                   Quarantine.starts_on <= day, Quarantine.planned_end >= day,
                   Quarantine.ordered_at < closed, ~has_check, ~has_alert))
    return [(qid, pid, area) for qid, pid, area in session.execute(stmt)]


def do_raise_missed_check_alerts(
    session: Session, *, now: datetime, scope: str = "", zone: ZoneInfo = DEFAULT_ZONE,
    policy: CheckPolicy | None = None,
) -> int:
    """One `missed_check` alert per quarantine, day and window that closed without a check,
    over the last few days (idempotent: the dedupe key makes a second run raise nothing).
    The CLI's `fangkong quarantine sweep` runs it for the city; pages run it for their area."""
    rules = policy or CheckPolicy.load(session)
    today = now.astimezone(zone).date()
    raised = 0
    for back in range(SWEEP_DAYS, -1, -1):
        day = today - timedelta(days=back)
        for window in rules.closed_by(day, now, zone):
            rows = _missed_candidates(session, day=day, window=window,
                                      closed=window.closes_at(day, zone), scope=scope)
            for first in range(0, len(rows), SWEEP_BATCH):
                raised += _raise_missed(session, rows[first:first + SWEEP_BATCH], day, window,
                                        zone)
    return raised


def _raise_missed(session: Session, rows: list[tuple[int, int, str]], day: date,
                  window: Window, zone: ZoneInfo) -> int:
    """Insert a batch of missed-check alerts (a concurrent sweep's ones are skipped) and count
    the ones inserted per area on the window's day."""
    detail = {"day": day.isoformat(), "window": window.index,
              "from": window.start.strftime("%H:%M"), "to": window.end.strftime("%H:%M")}
    moment = utcnow()
    values = [{"quarantine_id": qid, "person_id": pid, "area_code": area,
               "kind": AlertKind.MISSED_CHECK.value, "detail": detail, "raised_at": moment,
               "dedupe_key": f"missed:{qid}:{day.isoformat()}:{window.index}",
               "status": AlertStatus.OPEN.value, "action_taken": ""} for qid, pid, area in rows]
    stmt = _insert(session)(Alert).values(values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(Alert.area_code)
    per_area = Counter(session.scalars(stmt))
    closed = window.closes_at(day, zone)
    for area, count in per_area.items():
        count_alert(session, area_code=area, kind=AlertKind.MISSED_CHECK.value, moment=closed,
                    zone=zone, by=count)
    return sum(per_area.values())


# --- reading and acknowledging ----------------------------------------------------------------


def alerts_stmt(actor: Actor, filters: AlertFilter) -> Select[Alert]:
    """Alerts in the actor's area: open first, newest first."""
    stmt = (select(Alert).where(in_scope(Alert.area_code.expression, actor.scope))
            .order_by(Alert.status != AlertStatus.OPEN.value, Alert.raised_at.desc(),
                      Alert.id.desc()))
    if filters.status is not None:
        stmt = stmt.where(Alert.status == filters.status.value)
    if filters.kind is not None:
        stmt = stmt.where(Alert.kind == filters.kind.value)
    if filters.area:
        stmt = stmt.where(in_scope(Alert.area_code.expression, filters.area))
    return stmt


def access_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id) if 0 < alert_id < 2**63 else None
    if alert is None or not actor.sees(alert.area_code):
        raise NotFound()
    return alert


def list_alerts_of(session: Session, quarantine_id: int) -> list[Alert]:
    stmt = (select(Alert).where(Alert.quarantine_id == quarantine_id)
            .order_by(Alert.raised_at.desc(), Alert.id.desc()))
    return list(session.scalars(stmt))


def alerts_of_checks(session: Session, check_ids: list[int]) -> dict[int, str]:
    """{check id: the kind of the alert it raised}."""
    if not check_ids:
        return {}
    keys = {f"check:{check_id}": check_id for check_id in check_ids}
    stmt = select(Alert.dedupe_key, Alert.kind).where(Alert.dedupe_key.in_(keys))
    return {keys[key]: kind for key, kind in session.execute(stmt) if key in keys}


def do_acknowledge_alert(session: Session, *, actor: Actor, alert: Alert, data: AlertAck) -> Alert:
    """确认: someone has seen the alert and says what was done; `close` ends it."""
    actor.require(Permission.ALERT_ACK)
    if not actor.sees(alert.area_code):
        raise NotFound()
    if alert.status == AlertStatus.CLOSED.value:
        raise AlertClosed()
    before = alert.status
    alert.status = (AlertStatus.CLOSED if data.close else AlertStatus.ACKNOWLEDGED).value
    alert.acknowledged_at = alert.acknowledged_at or utcnow()
    alert.acknowledged_by_id = alert.acknowledged_by_id or actor.user_id
    alert.action_taken = "\n".join(filter(None, [alert.action_taken, data.action_taken.strip()]))
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine_alert",
             record_id=alert.id, area_code=alert.area_code,
             detail={"status": [before, alert.status], "action_taken": data.action_taken})
    return alert


def open_alert_counts(session: Session, actor: Actor) -> dict[str, int]:
    stmt = (select(Alert.kind, func.count()).where(
        and_(in_scope(Alert.area_code.expression, actor.scope),
             Alert.status == AlertStatus.OPEN.value)).group_by(Alert.kind))
    return {kind: int(count) for kind, count in session.execute(stmt)}
