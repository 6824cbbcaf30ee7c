"""Helpers of the daily report's tests: persons, quarantines and arrivals made through the
modules' own actions, local times, and sums of report rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.areas.models import Area
from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.registration import check_register_arrivals
from fangkong.arrivals.schemas import ArrivalCreate, PersonIn
from fangkong.quarantine.actions import do_start_quarantine
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.models import Quarantine
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.registry.validators import id_check_character
from fangkong.reports.daily import Report, build_report
from fangkong.scope import SYSTEM, Actor
from fangkong.settings import Settings
from fangkong.testing.actions import do_collect_sample, do_record_result
from fangkong.testing.models import Sample

ZONE = ZoneInfo("Asia/Shanghai")
CITY = "2201"
NANGUAN = "220102"  # 南关区, the district commander's
NANLING = "220102001"  # 南岭街道, the street commander's
COMMUNITY = "220102001001"  # grid1's community
OTHER_COMMUNITY = "220102001002"
GRID1 = "220102001001001"
GRID1_NEIGHBOUR = "220102001001002"
GRID2 = "220104001001001"  # 朝阳区
WUHAN = "4201"


def today() -> date:
    return datetime.now(ZONE).date()


def days_ago(count: int) -> date:
    return today() - timedelta(days=count)


def at_local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A UTC instant at a local time of a day, never later than now."""
    start = datetime.combine(day, time(0), tzinfo=ZONE).astimezone(UTC)
    moment = datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)
    return max(start, min(moment, datetime.now(UTC) - timedelta(seconds=1)))


def actor_of(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def area(db: Session, code: str) -> Area:
    found = db.get(Area, code)
    assert found is not None, code
    return found


def report_of(db: Session, settings: Settings, code: str, day: date | None = None) -> Report:
    return build_report(db, settings, area=area(db, code), day=day or today())


def make_person(db: Session, grid: str = GRID1, name: str = "王芳") -> Person:
    household = do_create_household(db, actor=SYSTEM, data=HouseholdCreate(
        area_code=grid, address=f"日报测试路{name}号"))
    return do_create_person(db, actor=SYSTEM, data=PersonCreate(
        household_id=household.id, name=name, relation="head"))


def quarantine(db: Session, person: Person, *, day: date, hour: int = 9,
               kind: QuarantineKind = QuarantineKind.HOME) -> Quarantine:
    return do_start_quarantine(db, actor=SYSTEM, person=person, kind=kind, start=day,
                               now=at_local(day, hour))


def sample(db: Session, person: Person, *, when: datetime, tube: str,
           result: str | None = None) -> Sample:
    """A single tube of the person collected at `when`, with a lab result if given."""
    taken = do_collect_sample(db, actor=SYSTEM, persons=[person], kind="nucleic_acid",
                              reason="mass", tube_code=tube, collected_at=when,
                              where="日报测试采样点")
    if result is not None:
        do_record_result(db, actor=SYSTEM, sample=taken, result=result, reported_at=when,
                         lab="日报测试实验室")
    return taken


def id_number(serial: int) -> str:
    first17 = f"42010219800215{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def arrive(db: Session, settings: Settings, *, community: str, when: datetime,
           serial: int = 1, origin: str = WUHAN) -> Arrival:
    """One traveller from `origin` registered by staff at 长春站, bound for `community`."""
    station = db.scalars(select(Checkpoint).where(Checkpoint.name == "长春站")).one()
    traveller = PersonIn(name="旅客" + "零一二三四五六七八九"[serial % 10],
                         id_number=id_number(serial), phone="13700000000",
                         temperature=Decimal("36.5"))
    data = ArrivalCreate(checkpoint_id=station.id, origin_code=origin,
                         destination_code=community, arrived_at=when, people=[traveller])
    check_register_arrivals(db, actor=SYSTEM, settings=settings, data=data,
                            source=ArrivalSource.STAFF)
    return db.scalars(select(Arrival).where(Arrival.id_number == id_number(serial))
                      .order_by(Arrival.id.desc())).first()  # type: ignore[return-value]


def counts(report: Report) -> list[str]:
    """The keys of the report's count columns."""
    return [item.key for item in report.columns if item.column.kind == "count"]


def value(report: Report, code: str, key: str) -> int | float | None:
    """A figure of the row of `code` (the total when `code` is the report's area)."""
    if code == report.area.code and not any(row.code == code for row in report.rows):
        return report.total.values[key]
    return next(row for row in report.rows if row.code == code).values[key]
