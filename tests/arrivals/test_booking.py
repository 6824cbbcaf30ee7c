"""错峰返程: quotas per district, day and risk level; bookings never overbook; arrivals link."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from arrivals_helpers import COMMUNITY1, WENZHOU, actor, id_number, person, trip
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from fangkong.arrivals.booking import (
    BOOKING_FORMS_PER_HOUR,
    BookingInvalid,
    DayFull,
    TooManyBookings,
    check_book_return,
    do_cancel_booking,
    do_set_quota,
    take_places,
)
from fangkong.arrivals.booking_schemas import BookingCreate, QuotaSet
from fangkong.arrivals.codes import ArrivalSource, RiskLevel
from fangkong.arrivals.models import Checkpoint, ReturnBooking, ReturnQuota
from fangkong.arrivals.registration import check_register_arrivals, public_actor
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.counters import DailyCounter
from fangkong.db import make_session_factory, transaction
from fangkong.errors import NotFound
from fangkong.registry.validators import LOCAL_ZONE
from fangkong.settings import Settings
from fangkong.web.forms import validate

TODAY = datetime.now(LOCAL_ZONE).date()
DISTRICT = "220102"


def quota(db: Session, day: date, places: int, level: RiskLevel = RiskLevel.NONE) -> ReturnQuota:
    return do_set_quota(db, actor=actor(db, "nanguan"), data=QuotaSet(
        area_code=DISTRICT, day=day, risk_level=level, quota=places))


def book(db: Session, day: date, *people: dict, addr: str = "10.1.1.1",
         **fields: object) -> list[ReturnBooking]:
    data = {"district_code": DISTRICT, "origin_code": "11", "day": day.isoformat(),
            "people": [{k: v for k, v in row.items() if k != "temperature"} for row in people]}
    data.update(fields)
    return check_book_return(db, actor=public_actor(addr), data=validate(BookingCreate, data),
                             today=TODAY)


def expected(db: Session, area: str, day: date) -> int:
    return db.scalar(select(DailyCounter.value).where(
        DailyCounter.area_code == area, DailyCounter.day == day,
        DailyCounter.metric == "bookings.expected")) or 0


def test_a_company_books_and_a_full_day_offers_the_nearest(policy: Session) -> None:
    day = TODAY + timedelta(days=5)
    quota(policy, day, 3)
    quota(policy, day + timedelta(days=2), 5)
    quota(policy, day - timedelta(days=3), 5)
    rows = book(policy, day, person(1), person(2, phone=None), company="一汽",
                destination_code=COMMUNITY1)
    assert [row.status for row in rows] == ["booked", "booked"]
    assert len({row.reference for row in rows}) == 2
    assert rows[0].area_code == COMMUNITY1
    assert rows[0].risk_level == "none"
    assert expected(policy, COMMUNITY1, day) == 2
    with pytest.raises(DayFull) as raised:
        book(policy, day, person(3), person(4))
    assert raised.value.days == [day + timedelta(days=2), day - timedelta(days=3)]
    assert book(policy, day, person(3))[0].day == day  # one place left
    row = policy.scalars(select(ReturnQuota).where(ReturnQuota.day == day)).one()
    assert (row.quota, row.booked) == (3, 3)


def test_no_quota_means_not_open_and_bad_bookings_name_the_field(policy: Session) -> None:
    day = TODAY + timedelta(days=3)
    with pytest.raises(DayFull):
        book(policy, day, person(1))
    quota(policy, day, 10)
    with pytest.raises(BookingInvalid) as raised:
        book(policy, TODAY - timedelta(days=1), person(1))
    assert set(raised.value.fields) == {"day"}
    book(policy, day, person(1))
    with pytest.raises(BookingInvalid) as raised:
        book(policy, day, person(2), person(1), person(2))
    assert set(raised.value.fields) == {"people.1.id_number", "people.2.id_number"}
    with pytest.raises(BookingInvalid) as raised:
        book(policy, day, person(5), destination_code="220104001001")
    assert set(raised.value.fields) == {"destination_code"}


def test_quota_levels_follow_the_origin(policy: Session) -> None:
    """The demo's key areas are still open: Hubei is of high risk today."""
    day = TODAY + timedelta(days=4)
    quota(policy, day, 1, RiskLevel.NONE)
    quota(policy, day, 2, RiskLevel.HIGH)
    from_hubei = book(policy, day, person(1), person(2), origin_code="4201")
    assert {row.risk_level for row in from_hubei} == {"high"}
    assert book(policy, day, person(3))[0].risk_level == "none"
    with pytest.raises(DayFull):
        book(policy, day, person(4))
    with pytest.raises(DayFull):
        book(policy, day, person(5), origin_code=WENZHOU)  # medium: no quota set
    with pytest.raises(BookingInvalid) as raised:
        quota(policy, day, 1, RiskLevel.HIGH)  # never below the places booked
    assert set(raised.value.fields) == {"quota"}


def test_booking_forms_are_rate_limited(policy: Session) -> None:
    day = TODAY + timedelta(days=6)
    quota(policy, day, 100)
    for serial in range(BOOKING_FORMS_PER_HOUR):
        book(policy, day, person(serial + 10), addr="10.2.2.2")
    with pytest.raises(TooManyBookings):
        book(policy, day, person(30), addr="10.2.2.2")


def test_cancel_frees_the_place(policy: Session) -> None:
    day = TODAY + timedelta(days=7)
    quota(policy, day, 1)
    row = book(policy, day, person(1))[0]
    with pytest.raises(NotFound):
        do_cancel_booking(policy, actor=public_actor("x"), reference=row.reference,
                          id_number=id_number(2))
    do_cancel_booking(policy, actor=public_actor("x"), reference=row.reference.lower(),
                      id_number=id_number(1))
    assert row.status == "cancelled"
    assert expected(policy, DISTRICT, day) == 0
    assert book(policy, day, person(3))[0].status == "booked"


def test_an_arrival_links_to_its_booking(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    today = TODAY
    quota(policy, today + timedelta(days=1), 5)
    booked = book(policy, today + timedelta(days=1), person(1), destination_code=COMMUNITY1)[0]
    done = check_register_arrivals(
        policy, actor=public_actor("10.3.3.3"), settings=settings, source=ArrivalSource.SELF,
        checkpoint=station, data=validate(ArrivalCreate, trip(person(1), origin_code="11")))
    arrival = done.arrivals[0]
    assert arrival.booking_id == booked.id
    assert booked.status == "arrived"
    assert arrival.area_code == "220103"  # routed by its own form, not by the booking
    assert policy.scalar(select(DailyCounter.value).where(
        DailyCounter.metric == "bookings.arrived", DailyCounter.area_code == COMMUNITY1)) == 1


def test_concurrent_bookings_never_overbook(engine: Engine) -> None:
    """Eight requests race for three places on a real engine, each in its own transaction."""
    factory = make_session_factory(engine)
    day = date(2099, 1, 1)
    with transaction(factory) as session:
        session.execute(delete(ReturnQuota).where(ReturnQuota.day == day))
        session.add(ReturnQuota(area_code=DISTRICT, day=day, risk_level="none", quota=3,
                                booked=0))
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        with transaction(factory) as session:
            results.append(take_places(session, district=DISTRICT, day=day, risk_level="none",
                                       places=1))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(factory) as session:
        row = session.scalars(select(ReturnQuota).where(ReturnQuota.day == day)).one()
        assert (row.booked, results.count(True)) == (3, 3)
        session.delete(row)
