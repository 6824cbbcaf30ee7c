"""生活保障: requests from or for a quarantined household (food, medicine, utilities, garbage …)
with urgency and a deadline from policy; assigned, delivered (who, when) or cancelled.
And the support notes (思想工作, 心理疏导) recorded for a person."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import User
from fangkong.counters import bump_daily
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound, TooManyRequests
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.quarantine.actions import NotActive, actor_name
from fangkong.quarantine.codes import (
    DEFAULT_ZONE,
    OPEN_SUPPORT,
    NoteKind,
    QuarantineStatus,
    SupportStatus,
    Urgency,
)
from fangkong.quarantine.models import Quarantine, SupportNote, SupportRequest
from fangkong.quarantine.schemas import (
    NoteCreate,
    SupportAssign,
    SupportCreate,
    SupportFilter,
)
from fangkong.quarantine.windows import policy_values
from fangkong.registry.models import Person
from fangkong.scope import Actor, in_scope


class SupportClosed(Conflict):
    code = "quarantine.support_closed"

    @classmethod
    def default_message(cls) -> str:
        return N_("This request is closed already.")


class SupportInvalid(Invalid):
    code = "quarantine.support_invalid"


class TooManyRequestsOpen(TooManyRequests):
    code = "quarantine.too_many_support_requests"

    @classmethod
    def default_message(cls) -> str:
        return N_("Several of your requests are still open. Please call your grid worker.")


OPEN_BY_PERSON = 5


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return and_(SupportRequest.status.in_(OPEN_SUPPORT), SupportRequest.due_at < now)


def is_overdue(request: SupportRequest, now: datetime) -> bool:
    return request.status in OPEN_SUPPORT and request.due_at < now


def due_at(session: Session, urgency: Urgency, moment: datetime) -> datetime:
    values = policy_values(session, "support.overdue_hours", "support.urgent_overdue_hours")
    key = "support.urgent_overdue_hours" if urgency is Urgency.URGENT else "support.overdue_hours"
    return moment + timedelta(hours=float(values[key]))


def do_request_support(
    session: Session, *, actor: Actor, quarantine: Quarantine, data: SupportCreate,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE, by_person: bool = False,
) -> SupportRequest:
    """A request for the person's household; `by_person` when it comes through their link."""
    if not by_person:
        actor.require(Permission.SUPPORT_WRITE)
    if not actor.sees(quarantine.area_code):
        raise NotFound()
    if quarantine.status != QuarantineStatus.ACTIVE.value:
        raise NotActive()
    if by_person and _open_of(session, quarantine.id) >= OPEN_BY_PERSON:
        raise TooManyRequestsOpen()
    moment = now or utcnow()
    person = session.get(Person, quarantine.person_id)
    request = SupportRequest(
        quarantine_id=quarantine.id, person_id=quarantine.person_id,
        household_id=person.household_id if person else None, area_code=quarantine.area_code,
        category=data.category.value, urgency=data.urgency.value, details=data.details.strip(),
        status=SupportStatus.REQUESTED.value, requested_at=moment,
        requested_by_id=actor.user_id, due_at=due_at(session, data.urgency, moment))
    session.add(request)
    session.flush()
    bump_daily(session, area_code=request.area_code, day=moment.astimezone(zone).date(),
               metric="support.requested")
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="support_request",
             record_id=request.id, area_code=request.area_code,
             detail={**data.model_dump(mode="json"), "quarantine_id": quarantine.id,
                     "by_person": by_person})
    return request


def _open_of(session: Session, quarantine_id: int) -> int:
    return session.scalar(select(func.count()).select_from(SupportRequest).where(
        SupportRequest.quarantine_id == quarantine_id,
        SupportRequest.status.in_(OPEN_SUPPORT))) or 0


def _require(actor: Actor, request: SupportRequest) -> None:
    actor.require(Permission.SUPPORT_WRITE)
    if not actor.sees(request.area_code):
        raise NotFound()
    if request.status not in OPEN_SUPPORT:
        raise SupportClosed()


def _assignee(session: Session, actor: Actor, data: SupportAssign) -> tuple[int | None, str]:
    """A user inside the actor's area, or a free-text name."""
    if data.assignee_id is not None:
        user = session.get(User, data.assignee_id)
        if user is None or not actor.sees(user.area_code) or not user.is_active:
            message = N_("Choose a person in your area.")
            raise SupportInvalid(message, fields={"assignee_id": message})
        return user.id, user.display_name
    name = data.assignee_name.strip()
    if not name:
        message = N_("Choose a person or enter a name.")
        raise SupportInvalid(message, fields={"assignee_name": message})
    return None, name


def do_assign_support(session: Session, *, actor: Actor, request: SupportRequest,
                      data: SupportAssign) -> SupportRequest:
    _require(actor, request)
    user_id, name = _assignee(session, actor, data)
    before = request.status
    request.assignee_id, request.assignee_name = user_id, name
    request.assigned_at = utcnow()
    request.status = SupportStatus.ASSIGNED.value
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="support_request",
             record_id=request.id, area_code=request.area_code,
             detail={"status": [before, request.status], "assignee": name,
                     "assignee_id": user_id})
    return request


def do_deliver_support(
    session: Session, *, actor: Actor, request: SupportRequest, note: str = "",
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> SupportRequest:
    """送达: who delivered, when."""
    _require(actor, request)
    moment = now or utcnow()
    before = request.status
    request.status = SupportStatus.DELIVERED.value
    request.delivered_at = moment
    request.delivered_by_id = actor.user_id
    request.outcome_note = note.strip()
    session.flush()
    bump_daily(session, area_code=request.area_code, day=moment.astimezone(zone).date(),
               metric="support.delivered")
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="support_request",
             record_id=request.id, area_code=request.area_code,
             detail={"status": [before, request.status], "note": request.outcome_note})
    return request


def do_cancel_support(session: Session, *, actor: Actor, request: SupportRequest,
                      reason: str) -> SupportRequest:
    _require(actor, request)
    if not reason.strip():
        raise SupportInvalid(fields={"reason": N_("This field is required.")})
    before = request.status
    request.status = SupportStatus.CANCELLED.value
    request.outcome_note = reason.strip()
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="support_request",
             record_id=request.id, area_code=request.area_code,
             detail={"status": [before, request.status], "reason": request.outcome_note})
    return request


# --- reading --------------------------------------------------------------------------------


def access_support(session: Session, actor: Actor, request_id: int) -> SupportRequest:
    request = session.get(SupportRequest, request_id) if 0 < request_id < 2**63 else None
    if request is None or not actor.sees(request.area_code):
        raise NotFound()
    return request


def support_stmt(actor: Actor, filters: SupportFilter, now: datetime) -> Select[SupportRequest]:
    """Requests in the actor's area: open first, overdue first, then by deadline."""
    open_first = case((SupportRequest.status.in_(OPEN_SUPPORT), 0), else_=1)
    stmt = (select(SupportRequest).where(in_scope(SupportRequest.area_code.expression,
                                                  actor.scope))
            .order_by(open_first, SupportRequest.due_at, SupportRequest.id))
    if filters.status is not None:
        stmt = stmt.where(SupportRequest.status == filters.status.value)
    if filters.category is not None:
        stmt = stmt.where(SupportRequest.category == filters.category.value)
    if filters.overdue:
        stmt = stmt.where(overdue_condition(now))
    return stmt


def list_support_of(session: Session, quarantine_id: int) -> list[SupportRequest]:
    stmt = (select(SupportRequest).where(SupportRequest.quarantine_id == quarantine_id)
            .order_by(SupportRequest.requested_at.desc(), SupportRequest.id.desc()))
    return list(session.scalars(stmt))


def support_counts(session: Session, actor: Actor, now: datetime) -> tuple[int, int]:
    """(open, overdue) requests in the actor's area."""
    mine = in_scope(SupportRequest.area_code.expression, actor.scope)
    stmt = select(func.count(), func.coalesce(func.sum(case((SupportRequest.due_at < now, 1),
                                                             else_=0)), 0)).where(
        mine, SupportRequest.status.in_(OPEN_SUPPORT))
    total, late = session.execute(stmt).one()
    return int(total), int(late)


def assignable_users(session: Session, actor: Actor) -> list[User]:
    stmt = (select(User).where(in_scope(User.area_code.expression, actor.scope),
                               User.is_active.is_(True))
            .order_by(User.area_code, User.display_name).limit(200))
    return list(session.scalars(stmt))


# --- notes ----------------------------------------------------------------------------------


def do_add_note(session: Session, *, actor: Actor, quarantine: Quarantine,
                data: NoteCreate) -> SupportNote:
    """思想工作 or 心理疏导 with the person, in a few words."""
    actor.require(Permission.SUPPORT_WRITE)
    if not actor.sees(quarantine.area_code):
        raise NotFound()
    note = SupportNote(person_id=quarantine.person_id, quarantine_id=quarantine.id,
                       area_code=quarantine.area_code, kind=NoteKind(data.kind).value,
                       note=data.note.strip(), by_id=actor.user_id,
                       by_name=actor_name(session, actor))
    session.add(note)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="support_note",
             record_id=note.id, area_code=note.area_code,
             detail={"kind": note.kind, "person_id": note.person_id})
    return note


def list_notes(session: Session, person_id: int) -> list[SupportNote]:
    stmt = (select(SupportNote).where(SupportNote.person_id == person_id)
            .order_by(SupportNote.at.desc(), SupportNote.id.desc()))
    return list(session.scalars(stmt))
