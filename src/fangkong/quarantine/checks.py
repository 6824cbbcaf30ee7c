"""健康监测打卡: twice-daily checks (temperature, symptoms) by the grid worker or by the person
through their personal link, with fever and symptom alerts raised at once.

The path is short on purpose (it is benchmarked): the quarantine by primary key, the policy in
one query, one INSERT of the check, one counter upsert, the audit entry; an alert only on fever
or symptoms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.security import token_hash
from fangkong.counters import bump_daily
from fangkong.db import utcnow
from fangkong.errors import Invalid, NotFound, TooManyRequests
from fangkong.i18n import N_
from fangkong.permissions import Permission, Role
from fangkong.quarantine.actions import NotActive
from fangkong.quarantine.alerts import count_alert
from fangkong.quarantine.codes import (
    DEFAULT_ZONE,
    AlertKind,
    AlertStatus,
    CheckBy,
    QuarantineStatus,
    Symptom,
)
from fangkong.quarantine.models import Alert, HealthCheck, Quarantine
from fangkong.quarantine.schemas import MAX_CELSIUS, MIN_CELSIUS, TEMPERATURE_MESSAGE
from fangkong.quarantine.windows import CheckPolicy
from fangkong.scope import Actor

SELF_CHECKS_PER_DAY = 12
LINK_ACTOR = "check-link"


class CheckInvalid(Invalid):
    code = "quarantine.check_invalid"


class LinkGone(NotFound):
    """A personal link that was revoked, or whose quarantine has ended: 410, no data."""

    code = "quarantine.link_gone"
    status = 410

    @classmethod
    def default_message(cls) -> str:
        return N_("This link is no longer valid.")


class TooManyChecks(TooManyRequests):
    code = "quarantine.too_many_checks"

    @classmethod
    def default_message(cls) -> str:
        return N_("Too many checks today from this link. Please call your grid worker.")


INSERT_CHECK = insert(HealthCheck).returning(HealthCheck.id)
"""Built once: the check is inserted by one prepared statement on the session's connection,
not through the unit of work (the returned row is a plain transient object for the answer and
the alert)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    check: HealthCheck
    inside: bool
    alert: Alert | None


def clean_symptoms(values: list[str] | list[Symptom]) -> list[str]:
    """Known symptom codes, each once, in the catalogue's order."""
    given = {str(value) for value in values}
    unknown = given - {symptom.value for symptom in Symptom}
    if unknown:
        raise CheckInvalid(fields={"symptoms": N_("Choose one of the offered values.")})
    return [symptom.value for symptom in Symptom if symptom.value in given]


def check_temperature(value: Decimal | float | str) -> Decimal:
    try:
        celsius = Decimal(str(value)).quantize(Decimal("0.1"))
    except ArithmeticError:
        celsius = Decimal(0)
    if not MIN_CELSIUS <= celsius <= MAX_CELSIUS:
        raise CheckInvalid(TEMPERATURE_MESSAGE, fields={"temperature": TEMPERATURE_MESSAGE})
    return celsius


def do_record_check(
    session: Session, *, actor: Actor, quarantine: Quarantine, temperature: Decimal | float | str,
    symptoms: list[str] | list[Symptom], notes: str = "", now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE, policy: CheckPolicy | None = None,
) -> Recorded:
    """A check entered by staff (`check:write`, the quarantine inside their area)."""
    actor.require(Permission.CHECK_WRITE)
    if not actor.sees(quarantine.area_code):
        raise NotFound()
    return _record(session, actor=actor, quarantine=quarantine, temperature=temperature,
                   symptoms=symptoms, notes=notes, by=CheckBy.WORKER, now=now, zone=zone,
                   policy=policy)


def link_actor(quarantine: Quarantine, client_addr: str) -> Actor:
    """The person behind a personal link: sees their own quarantine and nothing else."""
    return Actor(user_id=None, username=LINK_ACTOR, role=Role.ENTERPRISE,
                 area_code=quarantine.area_code, client_addr=client_addr[:64])


def do_record_self_check(
    session: Session, *, quarantine: Quarantine, temperature: Decimal | float | str,
    symptoms: list[str] | list[Symptom], client_addr: str, notes: str = "",
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE, policy: CheckPolicy | None = None,
) -> Recorded:
    """A check the person reports through their personal link (a dozen a day at most)."""
    moment = now or utcnow()
    midnight = datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone)
    done = session.scalar(select(func.count()).select_from(HealthCheck).where(
        HealthCheck.quarantine_id == quarantine.id, HealthCheck.checked_at >= midnight,
        HealthCheck.by == CheckBy.SELF.value)) or 0
    if done >= SELF_CHECKS_PER_DAY:
        raise TooManyChecks()
    return _record(session, actor=link_actor(quarantine, client_addr), quarantine=quarantine,
                   temperature=temperature, symptoms=symptoms, notes=notes, by=CheckBy.SELF,
                   now=moment, zone=zone, policy=policy)


def _record(
    session: Session, *, actor: Actor, quarantine: Quarantine, temperature: Decimal | float | str,
    symptoms: list[str] | list[Symptom], notes: str, by: CheckBy, now: datetime | None,
    zone: ZoneInfo, policy: CheckPolicy | None,
) -> Recorded:
    if quarantine.status != QuarantineStatus.ACTIVE.value:
        raise NotActive()
    celsius = check_temperature(temperature)
    found = clean_symptoms(symptoms)
    moment = now or utcnow()
    rules = policy or CheckPolicy.load(session)
    slot = rules.slot_for(moment, zone, since=quarantine.ordered_at)
    values: dict[str, Any] = {
        "quarantine_id": quarantine.id, "area_code": quarantine.area_code, "day": slot.day,
        "window": slot.window, "checked_at": moment, "temperature": celsius,
        "symptoms": found, "by": by.value, "actor_id": actor.user_id,
        "notes": notes.strip()[:500]}
    check = HealthCheck(id=session.connection().execute(INSERT_CHECK, values).scalar_one(),
                        **values)
    bump_daily(session, area_code=quarantine.area_code, day=slot.day, metric="checks.done")
    alert = _alert_for(session, quarantine, check, rules=rules, moment=moment, zone=zone)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="health_check",
             record_id=check.id, area_code=quarantine.area_code,
             detail={"quarantine_id": quarantine.id, "temperature": str(celsius),
                     "symptoms": found, "by": by.value,
                     "alert": alert.kind if alert is not None else None})
    return Recorded(check=check, inside=slot.inside, alert=alert)


def _alert_for(session: Session, quarantine: Quarantine, check: HealthCheck, *,
               rules: CheckPolicy, moment: datetime, zone: ZoneInfo) -> Alert | None:
    """发热 or 症状: raised at once, one per check (its key names the check)."""
    fever = check.temperature >= rules.fever
    if not fever and not check.symptoms:
        return None
    kind = AlertKind.FEVER if fever else AlertKind.SYMPTOM
    detail: dict[str, Any] = {"check_id": check.id, "temperature": str(check.temperature),
                              "symptoms": list(check.symptoms), "by": check.by,
                              "threshold": str(rules.fever)}
    alert = Alert(quarantine_id=quarantine.id, person_id=quarantine.person_id,
                  area_code=quarantine.area_code, kind=kind.value, detail=detail,
                  raised_at=moment, dedupe_key=f"check:{check.id}",
                  status=AlertStatus.OPEN.value)
    session.add(alert)
    session.flush()
    count_alert(session, area_code=quarantine.area_code, kind=kind.value, moment=moment,
                zone=zone)
    return alert


# --- the personal link ----------------------------------------------------------------------


def quarantine_by_link(session: Session, token: str) -> Quarantine:
    """The quarantine a personal link opens. An unknown link is NotFound; a revoked one, or one
    whose quarantine has ended, is LinkGone (410). Neither shows anything."""
    if not token or len(token) > 100:
        raise NotFound()
    quarantine = session.scalar(select(Quarantine).where(
        Quarantine.check_token_hash == token_hash(token)))
    if quarantine is None:
        raise NotFound()
    if (quarantine.check_token_revoked_at is not None
            or quarantine.status != QuarantineStatus.ACTIVE.value):
        raise LinkGone()
    return quarantine


# --- reading --------------------------------------------------------------------------------


def list_checks(session: Session, quarantine_id: int, *, limit: int = 200) -> list[HealthCheck]:
    stmt = (select(HealthCheck).where(HealthCheck.quarantine_id == quarantine_id)
            .order_by(HealthCheck.checked_at.desc(), HealthCheck.id.desc()).limit(limit))
    return list(session.scalars(stmt))
