"""错峰返程: daily quotas per district and origin risk level, and the bookings against them.

A booking takes its places with one conditional UPDATE (`booked = booked + n WHERE booked + n
<= quota`), so concurrent requests never overbook a day on either engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import AuditEntry
from fangkong.arrivals.booking_schemas import BookingCreate, QuotaSet
from fangkong.arrivals.codes import BookingStatus
from fangkong.arrivals.models import ReturnBooking, ReturnQuota
from fangkong.arrivals.queries import COMMUNITY, DISTRICT, level_length
from fangkong.arrivals.registration import new_code
from fangkong.arrivals.risk import risk_of
from fangkong.arrivals.routing import chosen_area
from fangkong.arrivals.tally import BOOKINGS_EXPECTED, count_booking
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound, TooManyRequests
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.validators import mask_id_number
from fangkong.scope import Actor

BOOKING_FORMS_PER_HOUR = 5
BOOKING_HORIZON_DAYS = 60
NEAREST_WINDOW_DAYS = 14


class BookingInvalid(Invalid):
    code = "arrivals.booking_invalid"


class TooManyBookings(TooManyRequests):
    code = "arrivals.too_many_bookings"

    @classmethod
    def default_message(cls) -> str:
        return N_("Too many bookings from this network in the last hour. Please wait a while.")


class DayFull(Conflict):
    """No places left that day; `days` are the nearest days that still have enough."""

    code = "arrivals.day_full"

    def __init__(self, days: list[date]) -> None:
        self.days = days
        listed = ", ".join(day.isoformat() for day in days)
        message = (N_("This day is fully booked. Days with places nearby: %(days)s.") if days
                   else N_("This day is fully booked and no day nearby has places."))
        super().__init__(message, fields={"day": N_("This day is fully booked.")},
                         params={"days": listed})


def do_set_quota(session: Session, *, actor: Actor, data: QuotaSet) -> ReturnQuota:
    """A district's quota for a day and origin risk level; never below what is booked."""
    actor.require(Permission.QUOTA_WRITE)
    digits = level_length(session, DISTRICT, 6)
    if len(data.area_code) != digits or not actor.sees(data.area_code):
        raise NotFound()
    chosen_area(session, data.area_code, field="area_code", at_least=digits)
    row = session.scalar(select(ReturnQuota).where(
        ReturnQuota.area_code == data.area_code, ReturnQuota.day == data.day,
        ReturnQuota.risk_level == data.risk_level.value))
    if row is not None and data.quota < row.booked:
        message = N_("The quota cannot be below the places booked already.")
        raise BookingInvalid(message, fields={"quota": message})
    before = None if row is None else row.quota
    if row is None:
        row = ReturnQuota(area_code=data.area_code, day=data.day,
                          risk_level=data.risk_level.value, quota=data.quota, booked=0)
        session.add(row)
    row.quota = data.quota
    session.flush()
    if before != data.quota:
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quota",
                 record_id=row.id, area_code=row.area_code,
                 detail={"day": data.day.isoformat(), "risk_level": row.risk_level,
                         "quota": [before, data.quota]})
    return row


def quota_grid(session: Session, *, district: str, first: date, last: date) -> dict[
    tuple[date, str], ReturnQuota
]:
    stmt = select(ReturnQuota).where(ReturnQuota.area_code == district,
                                     ReturnQuota.day >= first, ReturnQuota.day <= last)
    return {(row.day, row.risk_level): row for row in session.scalars(stmt)}


def nearest_free_days(
    session: Session, *, district: str, risk_level: str, day: date, places: int, today: date,
    limit: int = 3,
) -> list[date]:
    """The days closest to the one wanted that still have `places` free, earliest on a tie."""
    stmt = select(ReturnQuota.day).where(
        ReturnQuota.area_code == district, ReturnQuota.risk_level == risk_level,
        ReturnQuota.day >= max(today, day - timedelta(days=NEAREST_WINDOW_DAYS)),
        ReturnQuota.day <= day + timedelta(days=NEAREST_WINDOW_DAYS),
        ReturnQuota.quota - ReturnQuota.booked >= places, ReturnQuota.day != day)
    days = list(session.scalars(stmt))
    return sorted(days, key=lambda item: (abs((item - day).days), item))[:limit]


def take_places(
    session: Session, *, district: str, day: date, risk_level: str, places: int
) -> bool:
    """Book places on a day atomically; False when the day lacks them (or has no quota)."""
    stmt = (update(ReturnQuota)
            .where(ReturnQuota.area_code == district, ReturnQuota.day == day,
                   ReturnQuota.risk_level == risk_level,
                   ReturnQuota.booked + places <= ReturnQuota.quota)
            .values(booked=ReturnQuota.booked + places)
            .execution_options(synchronize_session=False))
    result = cast(CursorResult[Any], session.execute(stmt))
    return result.rowcount == 1


def _check_rate(session: Session, actor: Actor, now: datetime) -> None:
    stmt = select(func.count()).where(
        AuditEntry.at >= now - timedelta(hours=1), AuditEntry.resource == "booking",
        AuditEntry.action == AuditAction.CREATE.value,
        AuditEntry.client_addr == (actor.client_addr or ""), AuditEntry.actor_id.is_(None))
    if (session.scalar(stmt) or 0) >= BOOKING_FORMS_PER_HOUR:
        raise TooManyBookings()


def _people_problems(session: Session, data: BookingCreate, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for index, person in enumerate(data.people):
        if person.id_number in seen:
            problems[f"people.{index}.id_number"] = N_("This person is in the list twice.")
        seen.add(person.id_number)
        taken = select(ReturnBooking.id).where(
            ReturnBooking.id_number == person.id_number,
            ReturnBooking.id_type == person.id_type.value, ReturnBooking.day >= today,
            ReturnBooking.status == BookingStatus.BOOKED.value).limit(1)
        if session.scalar(taken) is not None:
            problems[f"people.{index}.id_number"] = N_("This person has a booked return already.")
        if not person.phone and index == 0:
            problems["people.0.phone"] = N_("A phone number is needed to reach the traveller.")
    return problems


@dataclass(frozen=True, slots=True)
class Target:
    district: str
    area_code: str


def _target(session: Session, data: BookingCreate, today: date) -> Target:
    problems: dict[str, str] = {}
    if data.day < today:
        problems["day"] = N_("The day is in the past.")
    elif data.day > today + timedelta(days=BOOKING_HORIZON_DAYS):
        problems["day"] = N_("Bookings open at most 60 days ahead.")
    if problems:
        raise BookingInvalid(fields=problems)
    digits = level_length(session, DISTRICT, 6)
    district = chosen_area(session, data.district_code, field="district_code", at_least=digits)
    if len(district.code) != digits:
        raise BookingInvalid(fields={"district_code": N_("There is no such district in the city.")})
    area = district
    if data.destination_code:
        area = chosen_area(session, data.destination_code, field="destination_code",
                           at_least=level_length(session, COMMUNITY, 12))
        if not area.code.startswith(district.code):
            message = N_("This community is not in the chosen district.")
            raise BookingInvalid(message, fields={"destination_code": message})
    return Target(district.code, area.code)


def check_book_return(
    session: Session, *, actor: Actor, data: BookingCreate, today: date,
    now: datetime | None = None,
) -> list[ReturnBooking]:
    """Book a return day for each person; a full day answers with the nearest free days."""
    now = now or utcnow()
    _check_rate(session, actor, now)
    target = _target(session, data, today)
    problems = _people_problems(session, data, today)
    if problems:
        raise BookingInvalid(fields=problems)
    level = risk_of(session, data.origin_code, today)
    if not take_places(session, district=target.district, day=data.day, risk_level=level,
                       places=len(data.people)):
        raise DayFull(nearest_free_days(session, district=target.district, risk_level=level,
                                        day=data.day, places=len(data.people), today=today))
    return do_book_return(session, actor=actor, data=data, target=target, risk_level=level)


def do_book_return(
    session: Session, *, actor: Actor, data: BookingCreate, target: Target, risk_level: str
) -> list[ReturnBooking]:
    """The booking rows once the places are taken; counted as expected at the destination."""
    rows = [ReturnBooking(
        area_code=target.area_code, district_code=target.district, day=data.day,
        risk_level=risk_level, name=person.name, id_type=person.id_type.value,
        id_number=person.id_number, phone=person.phone, origin_code=data.origin_code,
        destination_address=data.destination_address, company=data.company,
        status=BookingStatus.BOOKED.value, reference="R" + new_code(9),
    ) for person in data.people]
    session.add_all(rows)
    session.flush()
    for row in rows:
        count_booking(session, row, BOOKINGS_EXPECTED)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="booking",
             record_id=rows[0].reference, area_code=target.area_code, detail={
                 "day": data.day.isoformat(), "risk_level": risk_level, "company": data.company,
                 "people": [mask_id_number(row.id_number) for row in rows]})
    return rows


def do_cancel_booking(
    session: Session, *, actor: Actor, reference: str, id_number: str
) -> ReturnBooking:
    """Cancel a booking by its reference and the person's ID number; the place is freed."""
    row = session.scalar(select(ReturnBooking).where(
        ReturnBooking.reference == reference.strip().upper(),
        ReturnBooking.id_number == id_number, ReturnBooking.status == BookingStatus.BOOKED.value))
    if row is None:
        raise NotFound()
    row.status = BookingStatus.CANCELLED.value
    session.execute(update(ReturnQuota).where(
        ReturnQuota.area_code == row.district_code, ReturnQuota.day == row.day,
        ReturnQuota.risk_level == row.risk_level, ReturnQuota.booked > 0,
    ).values(booked=ReturnQuota.booked - 1).execution_options(synchronize_session=False))
    count_booking(session, row, BOOKINGS_EXPECTED, by=-1)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="booking",
             record_id=row.reference, area_code=row.area_code,
             detail={"status": [BookingStatus.BOOKED.value, row.status]})
    return row
