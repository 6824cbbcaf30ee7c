"""The daily counters an arrival or a booking adds to (read by the daily report, issue 5)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fangkong.arrivals.models import Arrival, ReturnBooking
from fangkong.counters import bump_daily, local_day
from fangkong.settings import Settings

ARRIVAL_TOTAL = "arrivals.total"
BOOKINGS_EXPECTED = "bookings.expected"
BOOKINGS_ARRIVED = "bookings.arrived"


def arrival_metrics(arrival: Arrival) -> list[str]:
    """`arrivals.total`, `arrivals.risk.<level>` and `arrivals.<source>` (staff or self)."""
    return [ARRIVAL_TOTAL, f"arrivals.risk.{arrival.origin_risk}", f"arrivals.{arrival.source}"]


def count_arrival(session: Session, arrival: Arrival, settings: Settings, *, by: int = 1) -> None:
    """Add (or with by=-1 take back) an arrival at its area on its local arrival day."""
    day = local_day(arrival.arrived_at, settings)
    for metric in arrival_metrics(arrival):
        bump_daily(session, area_code=arrival.area_code, day=day, metric=metric, by=by)


def move_arrival(session: Session, arrival: Arrival, area_code: str, settings: Settings) -> None:
    """Give an arrival to another area, its counts moving with it."""
    count_arrival(session, arrival, settings, by=-1)
    arrival.area_code = area_code
    count_arrival(session, arrival, settings)


def count_booking(session: Session, booking: ReturnBooking, metric: str, *, by: int = 1) -> None:
    bump_daily(session, area_code=booking.area_code, day=booking.day, metric=metric, by=by)
