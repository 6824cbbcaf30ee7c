"""解除隔离: the release list of a day and the rule a release must meet: no health alert in the
last `release.quiet_days` days and, where `release.requires_negative_test`, a negative test
taken after the start."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.errors import Conflict
from fangkong.i18n import N_
from fangkong.quarantine.actions import end_quarantine, require_active
from fangkong.quarantine.codes import DEFAULT_ZONE, HEALTH_ALERTS, QuarantineStatus
from fangkong.quarantine.models import Alert, Quarantine
from fangkong.quarantine.windows import policy_values
from fangkong.scope import Actor, in_scope
from fangkong.testing.models import Sample, SampleMember

NEGATIVE = "negative"
LIST_LIMIT = 1000


class ReleaseRuleNotMet(Conflict):
    code = "quarantine.release_rule_not_met"

    @classmethod
    def default_message(cls) -> str:
        return N_("The release rule is not met; give a reason to release anyway.")


class NotDue(Conflict):
    code = "quarantine.not_due"

    @classmethod
    def default_message(cls) -> str:
        return N_("The planned end has not come yet; end the quarantine early instead.")


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    quiet_days: int
    needs_test: bool

    @classmethod
    def load(cls, session: Session) -> ReleaseRule:
        values = policy_values(session, "release.quiet_days", "release.requires_negative_test")
        return cls(int(values["release.quiet_days"]),
                   bool(values["release.requires_negative_test"]))


@dataclass(slots=True)
class Verdict:
    """Whether one quarantine may be released on a day, and what stands in the way."""

    quarantine: Quarantine
    last_alert_at: datetime | None = None
    negative_at: datetime | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def meets_rule(self) -> bool:
        return not self.problems


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def last_health_alerts(session: Session, ids: list[int], since: datetime) -> dict[int, datetime]:
    stmt = (select(Alert.quarantine_id, func.max(Alert.raised_at))
            .where(Alert.quarantine_id.in_(ids), Alert.raised_at >= since,
                   Alert.kind.in_([kind.value for kind in HEALTH_ALERTS]))
            .group_by(Alert.quarantine_id))
    return {int(qid): at for qid, at in session.execute(stmt) if qid is not None}


def last_negatives(session: Session, rows: list[Quarantine], zone: ZoneInfo) -> dict[
    int, datetime
]:
    """The newest negative result of each person taken on or after their quarantine's start
    (a pooled tube's negative counts for each person in it)."""
    if not rows:
        return {}
    earliest = min(_day_start(row.starts_on, zone) for row in rows)
    stmt = (select(SampleMember.person_id, Sample.collected_at)
            .join(Sample, Sample.id == SampleMember.sample_id)
            .where(SampleMember.person_id.in_({row.person_id for row in rows}),
                   Sample.result == NEGATIVE, Sample.collected_at >= earliest))
    newest: dict[int, datetime] = {}
    starts = {row.person_id: _day_start(row.starts_on, zone) for row in rows}
    for person_id, collected in session.execute(stmt):
        best = newest.get(person_id)
        if collected >= starts[person_id] and (best is None or collected > best):
            newest[person_id] = collected
    return newest


def judge(session: Session, rows: list[Quarantine], day: date, *,
          zone: ZoneInfo = DEFAULT_ZONE, rule: ReleaseRule | None = None) -> list[Verdict]:
    """The rule's verdict for each quarantine on a release day: three queries for any number."""
    rule = rule or ReleaseRule.load(session)
    since = _day_start(day - timedelta(days=rule.quiet_days), zone)
    alerts = last_health_alerts(session, [row.id for row in rows], since) if rows else {}
    negatives = last_negatives(session, rows, zone) if rule.needs_test else {}
    verdicts = []
    for row in rows:
        verdict = Verdict(row, alerts.get(row.id), negatives.get(row.person_id))
        if verdict.last_alert_at is not None:
            verdict.problems.append(N_("An alert in the last days"))
        if rule.needs_test and verdict.negative_at is None:
            verdict.problems.append(N_("No negative test recorded since the start"))
        verdicts.append(verdict)
    return verdicts


def release_list(session: Session, actor: Actor, day: date, *,
                 zone: ZoneInfo = DEFAULT_ZONE) -> list[Verdict]:
    """Active quarantines in the actor's area whose planned end is the day or earlier."""
    stmt = (select(Quarantine).where(in_scope(Quarantine.area_code.expression, actor.scope),
                                     Quarantine.status == QuarantineStatus.ACTIVE.value,
                                     Quarantine.planned_end <= day)
            .order_by(Quarantine.planned_end, Quarantine.area_code, Quarantine.id)
            .limit(LIST_LIMIT))
    return judge(session, list(session.scalars(stmt)), day, zone=zone)


def do_release(
    session: Session, *, actor: Actor, quarantine: Quarantine, note: str = "",
    override_reason: str = "", now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """解除隔离 on or after the planned end. The rule must be met, unless a reason is given to
    release anyway (it is recorded with the release)."""
    require_active(actor, quarantine)
    moment = now or utcnow()
    today = moment.astimezone(zone).date()
    if quarantine.planned_end > today:
        raise NotDue()
    (verdict,) = judge(session, [quarantine], today, zone=zone)
    reason = note.strip()
    if not verdict.meets_rule:
        if not override_reason.strip():
            raise ReleaseRuleNotMet(fields={"override_reason": N_("This field is required.")})
        reason = "\n".join(filter(None, [reason, override_reason.strip()]))
    return end_quarantine(session, actor=actor, quarantine=quarantine,
                          status=QuarantineStatus.RELEASED, reason=reason, now=moment, zone=zone)


def do_release_all_due(session: Session, *, actor: Actor, day: date, now: datetime | None = None,
                       zone: ZoneInfo = DEFAULT_ZONE) -> list[Quarantine]:
    """Release every quarantine of the day's list that meets the rule; the others stay."""
    moment = now or utcnow()
    if day > moment.astimezone(zone).date():
        raise NotDue()
    released = []
    for verdict in release_list(session, actor, day, zone=zone):
        if verdict.meets_rule:
            released.append(end_quarantine(
                session, actor=actor, quarantine=verdict.quarantine,
                status=QuarantineStatus.RELEASED, reason="", now=moment, zone=zone))
    return released
