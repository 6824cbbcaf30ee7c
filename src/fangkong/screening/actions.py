"""Changes of screening: rounds, visits (with counters and follow-ups), handled follow-ups.

Never commits; the edge does. Every change writes its audit entry.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.db import utcnow
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.registry.actions import do_create_person
from fangkong.registry.models import Household, Person
from fangkong.registry.schemas import PersonCreate
from fangkong.scope import Actor
from fangkong.screening.counters import DEFAULT_ZONE, do_count_visit, local_day
from fangkong.screening.models import (
    CoverageCounter,
    CoverageDaily,
    FollowUp,
    ScreeningRound,
    Visit,
    VisitMember,
)
from fangkong.screening.queries import count_round_visits, get_open_follow_up, household_members
from fangkong.screening.schemas import (
    FollowUpStatus,
    MemberCheck,
    NewMember,
    Outcome,
    Reason,
    RoundCreate,
    RoundStatus,
    RoundUpdate,
)

CLOCK_SKEW = timedelta(minutes=5)
ROUND_FIELDS = ("name", "starts_on", "ends_on")


class RoundInvalid(Invalid):
    code = "screening.round_invalid"


class RoundOverlaps(Conflict):
    code = "screening.round_overlaps"

    @classmethod
    def default_message(cls) -> str:
        return N_("An active round already covers this area on these dates.")


class RoundClosed(Conflict):
    code = "screening.round_closed"

    @classmethod
    def default_message(cls) -> str:
        return N_("This round is closed.")


class RoundHasVisits(Conflict):
    code = "screening.round_has_visits"

    @classmethod
    def default_message(cls) -> str:
        return N_("A round with visits cannot be deleted; close it instead.")


class VisitInvalid(Invalid):
    code = "screening.visit_invalid"


class AlreadyHandled(Conflict):
    code = "screening.already_handled"

    @classmethod
    def default_message(cls) -> str:
        return N_("This follow-up has been handled already.")


# --- rounds --------------------------------------------------------------------------------


def check_round_area(session: Session, actor: Actor, area_code: str) -> Area:
    area = session.get(Area, area_code)
    if area is None or not actor.sees(area.code):
        message = N_("Choose an area inside your own.")
        raise RoundInvalid(message, fields={"area_code": message})
    return area


def check_round_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        message = N_("The round cannot end before it starts.")
        raise RoundInvalid(message, fields={"ends_on": message})


def check_no_overlap(session: Session, *, area_code: str, starts_on: date, ends_on: date,
                     exclude: int | None = None) -> None:
    """Rounds run in sequence: no two active rounds over the same households at once."""
    nested = or_(ScreeningRound.area_code.startswith(area_code, autoescape=True),
                 ScreeningRound.area_code.in_([area_code[:n] for n in range(2, len(area_code))]))
    stmt = select(ScreeningRound.id).where(
        nested, ScreeningRound.status == RoundStatus.ACTIVE.value,
        ScreeningRound.starts_on <= ends_on, ScreeningRound.ends_on >= starts_on,
    )
    if exclude is not None:
        stmt = stmt.where(ScreeningRound.id != exclude)
    if session.scalar(stmt.limit(1)) is not None:
        raise RoundOverlaps(fields={"starts_on": RoundOverlaps.default_message()})


def check_round_owner(actor: Actor, round_: ScreeningRound) -> None:
    """Only someone whose area holds the round's may change it (others may only read it)."""
    if not actor.sees(round_.area_code):
        raise Forbidden()


def do_create_round(session: Session, *, actor: Actor, data: RoundCreate) -> ScreeningRound:
    area = check_round_area(session, actor, data.area_code)
    check_round_dates(data.starts_on, data.ends_on)
    check_no_overlap(session, area_code=area.code, starts_on=data.starts_on,
                     ends_on=data.ends_on)
    round_ = ScreeningRound(name=data.name.strip(), area_code=area.code,
                            starts_on=data.starts_on, ends_on=data.ends_on,
                            status=RoundStatus.ACTIVE.value, created_by_id=actor.user_id)
    session.add(round_)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="screening_round",
             record_id=round_.id, area_code=area.code, detail=data.model_dump(mode="json"))
    return round_


def do_update_round(session: Session, *, actor: Actor, round_: ScreeningRound,
                    data: RoundUpdate) -> ScreeningRound:
    check_round_owner(actor, round_)
    before = {name: getattr(round_, name) for name in ROUND_FIELDS}
    after = {**before, **data.model_dump(exclude_none=True)}
    check_round_dates(after["starts_on"], after["ends_on"])
    if round_.status == RoundStatus.ACTIVE.value:
        check_no_overlap(session, area_code=round_.area_code, starts_on=after["starts_on"],
                         ends_on=after["ends_on"], exclude=round_.id)
    for name, value in after.items():
        setattr(round_, name, value)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="screening_round",
             record_id=round_.id, area_code=round_.area_code,
             detail={key: [str(old), str(new)] for key, (old, new) in
                     changes(before, after).items()})
    return round_


def do_close_round(session: Session, *, actor: Actor, round_: ScreeningRound) -> ScreeningRound:
    check_round_owner(actor, round_)
    if round_.status == RoundStatus.CLOSED.value:
        raise RoundClosed()
    round_.status = RoundStatus.CLOSED.value
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="screening_round",
             record_id=round_.id, area_code=round_.area_code,
             detail={"status": [RoundStatus.ACTIVE.value, RoundStatus.CLOSED.value]})
    return round_


def do_delete_round(session: Session, *, actor: Actor, round_: ScreeningRound) -> None:
    """Delete a round entered by mistake; one with visits is closed, never deleted."""
    check_round_owner(actor, round_)
    if count_round_visits(session, round_.id):
        raise RoundHasVisits()
    for model in (CoverageCounter, CoverageDaily):
        session.execute(delete(model).where(model.round_id == round_.id))
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="screening_round",
             record_id=round_.id, area_code=round_.area_code, detail={"name": round_.name})
    session.delete(round_)
    session.flush()


# --- visits --------------------------------------------------------------------------------


def display_name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.display_name if user is not None else actor.username


def check_visit_place(actor: Actor, round_: ScreeningRound, household: Household,
                      visited_at: datetime, zone: ZoneInfo) -> None:
    """In scope (else NotFound), in the round's area, the round active, the date within it."""
    if not actor.sees(household.area_code):
        raise NotFound()
    if not household.area_code.startswith(round_.area_code):
        message = N_("This household is not in the round's area.")
        raise VisitInvalid(message, fields={"household_id": message})
    if round_.status != RoundStatus.ACTIVE.value:
        raise RoundClosed()
    day = local_day(visited_at, zone)
    if visited_at > utcnow() + CLOCK_SKEW:
        message = N_("A visit cannot be in the future.")
        raise VisitInvalid(message, fields={"visited_at": message})
    if not round_.starts_on <= day <= round_.ends_on:
        message = N_("The date of the visit lies outside the round.")
        raise VisitInvalid(message, fields={"visited_at": message})


def member_problems(outcome: Outcome, members: list[MemberCheck],
                    registered: set[int]) -> dict[str, str]:
    """What is wrong with the member lines, as {"members.i.field": message id}."""
    if members and outcome is not Outcome.VISITED:
        return {"members": N_("Only a visit that reached the household records its members.")}
    problems: dict[str, str] = {}
    seen: set[int] = set()
    for index, line in enumerate(members):
        at = f"members.{index}"
        if (line.person_id is None) == (line.new_person is None):
            problems[f"{at}.person_id"] = N_("Choose a member, or name a person found at the "
                                             "door.")
        elif line.person_id is not None and (line.person_id not in registered
                                             or line.person_id in seen):
            problems[f"{at}.person_id"] = N_("This person is not a member of the household.")
        if not line.present and not line.away_where.strip():
            problems[f"{at}.away_where"] = N_("Say where the member is staying.")
        seen.add(line.person_id or 0)
    return problems


def _add_member(session: Session, *, actor: Actor, household: Household, new: NewMember,
                index: int) -> Person:
    """Register a person found at the door through the registry's own action."""
    data = PersonCreate(household_id=household.id, name=new.name, relation=new.relation,
                        sex=new.sex, id_number=new.id_number, phone=new.phone or "")
    try:
        return do_create_person(session, actor=actor, data=data)
    except Invalid as error:
        error.fields = {f"members.{index}.new_person.{name}": text
                        for name, text in error.fields.items()}
        raise


def _write_line(session: Session, *, visit: Visit, person: Person, line: MemberCheck) -> None:
    session.add(VisitMember(
        visit_id=visit.id, person_id=person.id, area_code=person.area_code, present=line.present,
        away_where=line.away_where.strip() if not line.present else "",
        away_since=line.away_since if not line.present else None,
        temperature=line.temperature, symptoms=[item.value for item in line.symptoms],
        key_area_travel=line.key_area_travel, case_contact=line.case_contact,
        notes=line.notes.strip(),
    ))


def _flag(session: Session, *, actor: Actor, visit: Visit, person: Person,
          reasons: list[Reason], flagger: str) -> FollowUp:
    """Put a person on the follow-up list, or add the reasons to their open entry."""
    codes = [reason.value for reason in reasons]
    current = get_open_follow_up(session, person.id)
    if current is not None:
        current.reasons = list(dict.fromkeys([*current.reasons, *codes]))
        return current
    follow_up = FollowUp(person_id=person.id, area_code=person.area_code, visit_id=visit.id,
                         reasons=codes, flagged_at=utcnow(), flagged_by_id=actor.user_id,
                         flagged_by_name=flagger, status=FollowUpStatus.OPEN.value)
    session.add(follow_up)
    return follow_up


def _record_members(session: Session, *, actor: Actor, visit: Visit, household: Household,
                    members: list[MemberCheck], flagger: str) -> tuple[int, list[int]]:
    """Write the member lines and flags; return (persons seen, persons flagged)."""
    by_id = {person.id: person for person in household_members(session, household.id)}
    seen, flagged = 0, []
    for index, line in enumerate(members):
        if line.new_person is not None:
            person = _add_member(session, actor=actor, household=household,
                                 new=line.new_person, index=index)
        else:
            person = by_id[line.person_id or 0]
        _write_line(session, visit=visit, person=person, line=line)
        seen += int(line.present)
        reasons = line.reasons()
        if reasons:
            _flag(session, actor=actor, visit=visit, person=person, reasons=reasons,
                  flagger=flagger)
            flagged.append(person.id)
    return seen, flagged


def do_record_visit(
    session: Session, *, actor: Actor, round: ScreeningRound,
    household: Household, outcome: Outcome, members: list[MemberCheck],
    visited_at: datetime | None = None, notes: str = "", zone: ZoneInfo = DEFAULT_ZONE,
) -> Visit:
    """Record one visit: its lines, new members, follow-ups, the household's outcome and the
    round's counters, and its audit entry."""
    at = visited_at or utcnow()
    check_visit_place(actor, round, household, at, zone)
    registered = {person.id for person in household_members(session, household.id)}
    problems = member_problems(outcome, members, registered)
    if problems:
        raise VisitInvalid(fields=problems)
    flagger = display_name(session, actor)
    visit = Visit(round_id=round.id, household_id=household.id, area_code=household.area_code,
                  visited_at=at, visitor_id=actor.user_id, visitor_name=flagger,
                  outcome=outcome.value, notes=notes.strip())
    session.add(visit)
    session.flush()
    seen, flagged = _record_members(session, actor=actor, visit=visit, household=household,
                                    members=members, flagger=flagger)
    session.flush()
    do_count_visit(session, visit=visit, persons_seen=seen, zone=zone)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="visit",
             record_id=visit.id, area_code=household.area_code, detail={
                 "round_id": round.id, "household_id": household.id, "outcome": outcome.value,
                 "members": len(members), "seen": seen, "flagged": flagged,
             })
    return visit


# --- follow-ups ----------------------------------------------------------------------------


def do_handle_follow_up(session: Session, *, actor: Actor, follow_up: FollowUp,
                        note: str) -> FollowUp:
    """Mark a follow-up handled (passed to quarantine or testing), with a note."""
    if not actor.sees(follow_up.area_code):
        raise NotFound()
    if follow_up.status != FollowUpStatus.OPEN.value:
        raise AlreadyHandled()
    follow_up.status = FollowUpStatus.HANDLED.value
    follow_up.handled_at = utcnow()
    follow_up.handled_by_id = actor.user_id
    follow_up.handled_note = note.strip()
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="follow_up",
             record_id=follow_up.id, area_code=follow_up.area_code,
             detail={"status": [FollowUpStatus.OPEN.value, FollowUpStatus.HANDLED.value],
                     "note": follow_up.handled_note})
    return follow_up

