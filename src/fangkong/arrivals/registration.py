"""Registering arrivals, by checkpoint staff or by the traveller: validate the trip, route each
person to a community, apply the rule of the origin's risk, merge repeats, link bookings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.arrivals.codes import ArrivalSource, ArrivalStatus, BookingStatus
from fangkong.arrivals.models import Arrival, Checkpoint, ReturnBooking
from fangkong.arrivals.queries import access_checkpoint, day_bounds
from fangkong.arrivals.risk import Assessment, assess_origin
from fangkong.arrivals.routing import Destination, find_destination
from fangkong.arrivals.schemas import ArrivalCreate, PersonIn
from fangkong.arrivals.tally import (
    BOOKINGS_ARRIVED,
    count_arrival,
    count_booking,
    move_arrival,
)
from fangkong.counters import local_day
from fangkong.db import utcnow
from fangkong.errors import Invalid, TooManyRequests
from fangkong.i18n import N_
from fangkong.permissions import Permission, Role
from fangkong.policy import get_policy
from fangkong.registry.validators import mask_id_number
from fangkong.scope import Actor
from fangkong.settings import Settings

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at a desk
SELF_LIMIT_PER_HOUR = 10
CLOCK_SKEW = timedelta(minutes=10)
PUBLIC = Actor(user_id=None, username="public", role=Role.ENTERPRISE, area_code="-")


def public_actor(client_addr: str) -> Actor:
    """The anonymous traveller of a public page: no scope at all, only its address."""
    return Actor(user_id=None, username=PUBLIC.username, role=PUBLIC.role,
                 area_code=PUBLIC.area_code, client_addr=client_addr[:64])


class ArrivalInvalid(Invalid):
    code = "arrivals.invalid"


class TooManyRegistrations(TooManyRequests):
    code = "arrivals.too_many"

    @classmethod
    def default_message(cls) -> str:
        return N_("Too many registrations from this network in the last hour. Please wait a "
                  "while, or register with the staff at the checkpoint.")


@dataclass(slots=True)
class Registered:
    """The group's code, its arrivals in the order given, and the ids merged into old ones."""

    group_code: str
    arrivals: list[Arrival] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _unique_confirmation(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(Arrival.id).where(Arrival.confirmation_code == code)) is None:
            return code


def check_rate(session: Session, client_addr: str, now: datetime) -> None:
    """At most SELF_LIMIT_PER_HOUR self-registrations per client address and hour."""
    stmt = select(func.count()).where(
        Arrival.client_addr == client_addr[:64], Arrival.source == ArrivalSource.SELF.value,
        Arrival.created_at >= now - timedelta(hours=1))
    if (session.scalar(stmt) or 0) >= SELF_LIMIT_PER_HOUR:
        raise TooManyRegistrations()


def arrival_moment(value: datetime | None, settings: Settings, now: datetime) -> datetime:
    """The arrival time as aware UTC: a time without zone is local; no time means now."""
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=settings.zone)
    return value.astimezone(now.tzinfo)


def _trip_problems(
    session: Session, data: ArrivalCreate, arrived_at: datetime, now: datetime, staff: bool
) -> dict[str, str]:
    problems: dict[str, str] = {}
    lookback = int(get_policy(session, "arrivals.lookback_days"))
    if arrived_at > now + CLOCK_SKEW:
        problems["arrived_at"] = N_("The arrival time is in the future.")
    elif arrived_at < now - timedelta(days=lookback):
        problems["arrived_at"] = N_("The arrival is longer ago than the days that count.")
    if not data.people[0].phone:
        problems["people.0.phone"] = N_("A phone number is needed to reach the traveller.")
    seen: set[tuple[str, str]] = set()
    for index, person in enumerate(data.people):
        key = (person.id_type.value, person.id_number)
        if key in seen:
            problems[f"people.{index}.id_number"] = N_("This person is in the group twice.")
        seen.add(key)
        if staff and person.temperature is None:
            problems[f"people.{index}.temperature"] = N_("Enter the measured temperature.")
    return problems


def _checkpoint(session: Session, actor: Actor, data: ArrivalCreate) -> Checkpoint:
    if data.checkpoint_id is None:
        message = N_("Choose the checkpoint.")
        raise ArrivalInvalid(message, fields={"checkpoint_id": message})
    checkpoint = access_checkpoint(session, actor, data.checkpoint_id)
    if not checkpoint.active:
        message = N_("This checkpoint is closed.")
        raise ArrivalInvalid(message, fields={"checkpoint_id": message})
    return checkpoint


def check_register_arrivals(
    session: Session, *, actor: Actor, settings: Settings, data: ArrivalCreate,
    source: ArrivalSource, checkpoint: Checkpoint | None = None, now: datetime | None = None,
) -> Registered:
    """Validate a group's trip and register it: by staff at one of their checkpoints, or by
    the traveller (rate-limited per client address; the checkpoint comes from the QR code)."""
    now = now or utcnow()
    staff = source is ArrivalSource.STAFF
    if staff:
        actor.require(Permission.ARRIVAL_WRITE)
        checkpoint = _checkpoint(session, actor, data)
    else:
        check_rate(session, actor.client_addr or "", now)
    arrived_at = arrival_moment(data.arrived_at, settings, now)
    problems = _trip_problems(session, data, arrived_at, now, staff)
    if problems:
        raise ArrivalInvalid(fields=problems)
    destinations = find_destination(session, data=data, checkpoint=checkpoint)
    return do_register_arrivals(
        session, actor=actor, settings=settings, data=data, source=source,
        checkpoint=checkpoint, arrived_at=arrived_at, destinations=destinations, now=now)


def do_register_arrivals(
    session: Session, *, actor: Actor, settings: Settings, data: ArrivalCreate,
    source: ArrivalSource, checkpoint: Checkpoint | None, arrived_at: datetime,
    destinations: list[Destination], now: datetime,
) -> Registered:
    """Create each person's arrival, or merge it into the same trip registered already."""
    assessment = assess_origin(session, origin_code=data.origin_code,
                               arrived_on=local_day(arrived_at, settings))
    due = now + timedelta(hours=float(get_policy(session, "arrivals.contact_hours")))
    result = Registered(group_code="G" + new_code(10))
    for person, destination in zip(data.people, destinations, strict=True):
        existing = find_same_trip(session, person=person, origin_code=data.origin_code,
                                  arrived_at=arrived_at, settings=settings)
        if existing is not None:
            merge_arrival(session, actor=actor, settings=settings, arrival=existing,
                          person=person, data=data, checkpoint=checkpoint, source=source,
                          destination=destination)
            result.merged.append(existing.id)
            result.arrivals.append(existing)
            continue
        arrival = Arrival(
            area_code=destination.area_code, household_id=destination.household_id,
            person_id=destination.person_id, checkpoint_id=checkpoint.id if checkpoint else None,
            source=source.value, group_code=result.group_code, name=person.name,
            id_type=person.id_type.value, id_number=person.id_number, phone=person.phone,
            origin_code=data.origin_code, origin_risk=assessment.risk,
            transport=data.transport, arrived_at=arrived_at, temperature=person.temperature,
            destination_address=data.destination_address, reason=data.reason,
            rule_action=assessment.action, status=ArrivalStatus.PENDING.value,
            contact_due_at=due, confirmation_code=_unique_confirmation(session),
            registered_by_id=actor.user_id, client_addr=(actor.client_addr or "")[:64],
            created_at=now)
        _finish_new(session, actor=actor, settings=settings, arrival=arrival,
                    assessment=assessment)
        result.arrivals.append(arrival)
    return result


def _finish_new(
    session: Session, *, actor: Actor, settings: Settings, arrival: Arrival,
    assessment: Assessment,
) -> None:
    session.add(arrival)
    session.flush()
    link_booking(session, arrival=arrival, settings=settings)
    count_arrival(session, arrival, settings)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="arrival",
             record_id=arrival.id, area_code=arrival.area_code, detail={
                 "name": arrival.name, "id_number": mask_id_number(arrival.id_number),
                 "origin": arrival.origin_code, "risk": assessment.risk,
                 "action": assessment.action, "source": arrival.source,
                 "checkpoint_id": arrival.checkpoint_id, "group": arrival.group_code})


def find_same_trip(
    session: Session, *, person: PersonIn, origin_code: str, arrived_at: datetime,
    settings: Settings,
) -> Arrival | None:
    """The arrival of the same person from the same place on the same local day, if any.

    The name must agree too: a registration under another name is kept apart for the staff to
    see, and a traveller's confirmation never shows a record made by someone else.
    """
    start, end = day_bounds(local_day(arrived_at, settings), settings)
    stmt = select(Arrival).where(
        Arrival.id_number == person.id_number, Arrival.id_type == person.id_type.value,
        Arrival.name == person.name,
        Arrival.origin_code == origin_code, Arrival.arrived_at >= start,
        Arrival.arrived_at < end).order_by(Arrival.id).limit(1)
    return session.scalar(stmt)


def merge_arrival(
    session: Session, *, actor: Actor, settings: Settings, arrival: Arrival, person: PersonIn,
    data: ArrivalCreate, checkpoint: Checkpoint | None, source: ArrivalSource,
    destination: Destination,
) -> None:
    """Add what a repeat registration brings: staff's measurements replace the traveller's
    own; a traveller's repeat only fills blanks (it never overwrites anything)."""
    staff = source is ArrivalSource.STAFF
    given = {"phone": person.phone, "transport": data.transport, "reason": data.reason,
             "temperature": person.temperature, "destination_address": data.destination_address,
             "checkpoint_id": checkpoint.id if checkpoint else None}
    changed: list[str] = []
    for key, value in given.items():
        if value in (None, "") or getattr(arrival, key) == value:
            continue
        if staff or getattr(arrival, key) in (None, ""):
            setattr(arrival, key, value)
            changed.append(key)
    if destination.better_than(arrival.area_code):
        move_arrival(session, arrival, destination.area_code, settings)
        arrival.household_id = destination.household_id or arrival.household_id
        arrival.person_id = destination.person_id or arrival.person_id
        changed.append("area_code")
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="arrival",
             record_id=arrival.id, area_code=arrival.area_code,
             detail={"merged": True, "source": source.value, "fields": changed})


def link_booking(session: Session, *, arrival: Arrival, settings: Settings) -> None:
    """Link the arrival to the person's booked return within a day of the booked date."""
    day = local_day(arrival.arrived_at, settings)
    stmt = select(ReturnBooking).where(
        ReturnBooking.id_number == arrival.id_number, ReturnBooking.id_type == arrival.id_type,
        ReturnBooking.day >= day - timedelta(days=1), ReturnBooking.day <= day + timedelta(days=1),
        ReturnBooking.status == BookingStatus.BOOKED.value).order_by(ReturnBooking.day).limit(1)
    booking = session.scalar(stmt)
    if booking is None:
        return
    booking.status = BookingStatus.ARRIVED.value
    arrival.booking_id = booking.id
    count_booking(session, booking, BOOKINGS_ARRIVED)
