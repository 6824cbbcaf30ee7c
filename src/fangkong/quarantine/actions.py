"""A quarantine's life: started by an order (who decided, when), extended with a reason,
ended by release, transfer to hospital or early end; each change audited and counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import User
from fangkong.accounts.security import new_token, token_hash
from fangkong.counters import bump_daily
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.policy import get_policy
from fangkong.quarantine.codes import (
    DEFAULT_ZONE,
    QuarantineKind,
    QuarantineSource,
    QuarantineStatus,
)
from fangkong.quarantine.models import Extension, Quarantine, Room, Site
from fangkong.quarantine.sites import NoFreeBeds, allocate, free_bed, suggest_sites
from fangkong.registry.codes import PersonStatus
from fangkong.registry.models import Household, Person
from fangkong.scope import Actor

CHECK_PATH = "/public/check/"


class AlreadyQuarantined(Conflict):
    code = "quarantine.already_active"

    @classmethod
    def default_message(cls) -> str:
        return N_("This person is under quarantine already.")


class NotActive(Conflict):
    code = "quarantine.not_active"

    @classmethod
    def default_message(cls) -> str:
        return N_("This quarantine has ended.")


class PersonNotActive(Conflict):
    code = "quarantine.person_not_active"

    @classmethod
    def default_message(cls) -> str:
        return N_("This person's record is not active (moved away, deceased or merged).")


class QuarantineInvalid(Invalid):
    code = "quarantine.invalid"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a quarantine is served: a site's room, or a home address."""

    site: Site | None = None
    room: Room | None = None
    home_address: str = ""


# --- starting -------------------------------------------------------------------------------


def actor_name(session: Session, actor: Actor) -> str:
    """Who acted, as people know them (the account's display name)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.display_name if user is not None else actor.username


def _lock_person(session: Session, person: Person) -> None:
    """Serialise starts for one person on both engines: a no-op UPDATE takes the row lock
    (PostgreSQL) or the write lock (SQLite) before the "already active?" question is asked."""
    session.execute(update(Person).where(Person.id == person.id)
                    .values(updated_at=Person.updated_at)
                    .execution_options(synchronize_session=False))


def _check_person(session: Session, actor: Actor, person: Person) -> None:
    if not actor.sees(person.area_code):
        raise NotFound()
    if person.status != PersonStatus.ACTIVE.value:
        raise PersonNotActive()
    _lock_person(session, person)
    if session.scalar(select(Quarantine.id).where(
            Quarantine.person_id == person.id,
            Quarantine.status == QuarantineStatus.ACTIVE.value)) is not None:
        raise AlreadyQuarantined(N_("%(name)s is under quarantine already."),
                                 params={"name": person.name})


def _nearest_site(session: Session, actor: Actor, near: str, count: int) -> Site:
    found = suggest_sites(session, actor=actor, near=near, count=count, limit=1)
    if not found:
        raise NoFreeBeds(fields={"site_id": NoFreeBeds.default_message()})
    return found[0][0]


def _placement(
    session: Session, *, actor: Actor, kind: QuarantineKind, persons: Sequence[Person],
    site: Site | None, room: Room | None, home_address: str,
) -> Placement:
    if kind is not QuarantineKind.CENTRALISED:
        return Placement(home_address=home_address.strip() or _home_of(session, persons[0]))
    if room is not None and site is None:
        site = session.get(Site, room.site_id)
    if site is None:
        site = _nearest_site(session, actor, persons[0].area_code, len(persons))
    return Placement(site=site, room=allocate(session, site=site, room=room, count=len(persons),
                                              actor=actor))


def _home_of(session: Session, person: Person) -> str:
    household = session.get(Household, person.household_id) if person.household_id else None
    return household.address if household is not None else ""


def do_start_group(
    session: Session, *, actor: Actor, persons: Sequence[Person], kind: QuarantineKind | str,
    start: date, site: Site | None = None, room: Room | None = None, home_address: str = "",
    source: QuarantineSource | str = QuarantineSource.MANUAL, source_id: int | None = None,
    note: str = "", days: int | None = None, now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[Quarantine]:
    """Quarantine several persons together (a family shares one room): each gets an order of
    its own; for a centralised quarantine one room with beds for all is taken at once."""
    actor.require(Permission.QUARANTINE_WRITE)
    kind = QuarantineKind(kind)
    if not persons or len({person.id for person in persons}) != len(persons):
        raise QuarantineInvalid(fields={"person_id": N_("This value is not valid.")})
    for person in persons:
        _check_person(session, actor, person)
    length = days or int(get_policy(session, "quarantine.default_days"))
    placement = _placement(session, actor=actor, kind=kind, persons=persons, site=site,
                           room=room, home_address=home_address)
    moment = now or utcnow()
    return [_create(session, actor=actor, person=person, kind=kind, start=start, length=length,
                    placement=placement, source=QuarantineSource(source), source_id=source_id,
                    note=note, moment=moment, zone=zone) for person in persons]


def do_start_quarantine(
    session: Session, *, actor: Actor, person: Person, kind: QuarantineKind | str, start: date,
    site: Site | None = None, room: Room | None = None, home_address: str = "",
    source: QuarantineSource | str = QuarantineSource.MANUAL, source_id: int | None = None,
    note: str = "", days: int | None = None, now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """Order one person's quarantine or health monitoring. The planned end is the start plus
    the days (the policy's `quarantine.default_days` unless given): the day of release."""
    (quarantine,) = do_start_group(
        session, actor=actor, persons=[person], kind=kind, start=start, site=site, room=room,
        home_address=home_address, source=source, source_id=source_id, note=note, days=days,
        now=now, zone=zone)
    return quarantine


def _create(
    session: Session, *, actor: Actor, person: Person, kind: QuarantineKind, start: date,
    length: int, placement: Placement, source: QuarantineSource, source_id: int | None,
    note: str, moment: datetime, zone: ZoneInfo,
) -> Quarantine:
    quarantine = Quarantine(
        person_id=person.id, area_code=person.area_code, kind=kind.value,
        site_id=placement.site.id if placement.site else None,
        room_id=placement.room.id if placement.room else None,
        home_address=placement.home_address[:200], starts_on=start,
        planned_end=start + timedelta(days=length), status=QuarantineStatus.ACTIVE.value,
        source=source.value, source_id=source_id, ordered_by_id=actor.user_id,
        ordered_by_name=actor_name(session, actor), ordered_at=moment, order_note=note.strip())
    session.add(quarantine)
    session.flush()
    bump_daily(session, area_code=quarantine.area_code, day=moment.astimezone(zone).date(),
               metric=f"quarantine.new.{kind.value}")
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="quarantine",
             record_id=quarantine.id, area_code=quarantine.area_code, detail=_detail(quarantine))
    return quarantine


def _detail(quarantine: Quarantine) -> dict[str, Any]:
    return {"person_id": quarantine.person_id, "kind": quarantine.kind,
            "site_id": quarantine.site_id, "room_id": quarantine.room_id,
            "starts_on": quarantine.starts_on.isoformat(),
            "planned_end": quarantine.planned_end.isoformat(), "source": quarantine.source,
            "source_id": quarantine.source_id, "note": quarantine.order_note}


# --- changing and ending --------------------------------------------------------------------


def require_active(actor: Actor, quarantine: Quarantine) -> None:
    actor.require(Permission.QUARANTINE_WRITE)
    if not actor.sees(quarantine.area_code):
        raise NotFound()
    if quarantine.status != QuarantineStatus.ACTIVE.value:
        raise NotActive()


def do_extend_quarantine(
    session: Session, *, actor: Actor, quarantine: Quarantine, days: int, reason: str
) -> Extension:
    require_active(actor, quarantine)
    problems = {}
    if not 1 <= days <= 60:
        problems["days"] = N_("Enter a number of days from 1 to 60.")
    if not reason.strip():
        problems["reason"] = N_("This field is required.")
    if problems:
        raise QuarantineInvalid(fields=problems)
    before = quarantine.planned_end
    quarantine.planned_end = before + timedelta(days=days)
    extension = Extension(quarantine_id=quarantine.id, days=days, reason=reason.strip(),
                          by_id=actor.user_id)
    session.add(extension)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine",
             record_id=quarantine.id, area_code=quarantine.area_code,
             detail={"planned_end": [before.isoformat(), quarantine.planned_end.isoformat()],
                     "reason": extension.reason})
    return extension


def end_quarantine(
    session: Session, *, actor: Actor, quarantine: Quarantine, status: QuarantineStatus,
    reason: str, hospital: str = "", now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """Close an active quarantine: its bed is given back, its personal link stops working."""
    require_active(actor, quarantine)
    moment = now or utcnow()
    quarantine.status = status.value
    quarantine.ended_at = moment
    quarantine.end_reason = reason.strip()
    quarantine.hospital = hospital.strip()
    if quarantine.room_id is not None:
        free_bed(session, quarantine.room_id)
    session.flush()
    metric = {QuarantineStatus.RELEASED: "quarantine.released",
              QuarantineStatus.HOSPITAL: "quarantine.hospital"}.get(status,
                                                                    "quarantine.ended_early")
    bump_daily(session, area_code=quarantine.area_code, day=moment.astimezone(zone).date(),
               metric=metric)
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine",
             record_id=quarantine.id, area_code=quarantine.area_code,
             detail={"status": [QuarantineStatus.ACTIVE.value, status.value],
                     "reason": quarantine.end_reason, "hospital": quarantine.hospital})
    return quarantine


def do_transfer_to_hospital(
    session: Session, *, actor: Actor, quarantine: Quarantine, hospital: str, reason: str,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """转送医院: where to and why."""
    if not hospital.strip() or not reason.strip():
        field = "hospital" if not hospital.strip() else "reason"
        raise QuarantineInvalid(fields={field: N_("This field is required.")})
    return end_quarantine(session, actor=actor, quarantine=quarantine,
                          status=QuarantineStatus.HOSPITAL, reason=reason, hospital=hospital,
                          now=now, zone=zone)


def do_end_early(
    session: Session, *, actor: Actor, quarantine: Quarantine, reason: str,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """End before the planned day (ordered by mistake, left the city under escort …)."""
    if not reason.strip():
        raise QuarantineInvalid(fields={"reason": N_("This field is required.")})
    return end_quarantine(session, actor=actor, quarantine=quarantine,
                          status=QuarantineStatus.ENDED_EARLY, reason=reason, now=now, zone=zone)


# --- the personal check link ----------------------------------------------------------------


def do_issue_check_link(session: Session, *, actor: Actor, quarantine: Quarantine) -> str:
    """A new personal link (the old one stops working); returns the path, shown once: only
    its hash is stored."""
    require_active(actor, quarantine)
    actor.require(Permission.CHECK_WRITE)
    token = new_token()
    quarantine.check_token_hash = token_hash(token)
    quarantine.check_token_revoked_at = None
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine",
             record_id=quarantine.id, area_code=quarantine.area_code,
             detail={"check_link": "issued"})
    return CHECK_PATH + token


def do_revoke_check_link(session: Session, *, actor: Actor, quarantine: Quarantine) -> None:
    actor.require(Permission.CHECK_WRITE)
    if not actor.sees(quarantine.area_code):
        raise NotFound()
    if quarantine.check_token_hash is None or quarantine.check_token_revoked_at is not None:
        return
    quarantine.check_token_revoked_at = utcnow()
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine",
             record_id=quarantine.id, area_code=quarantine.area_code,
             detail={"check_link": "revoked"})


def link_is_live(quarantine: Quarantine) -> bool:
    return (quarantine.check_token_hash is not None and quarantine.check_token_revoked_at is None
            and quarantine.status == QuarantineStatus.ACTIVE.value)
