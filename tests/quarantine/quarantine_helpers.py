"""Quarantine test helpers: persons made through the registry's actions, sites with rooms, and
quarantines started as a grid worker would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.quarantine.actions import do_start_quarantine
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.models import Quarantine, Room, Site
from fangkong.quarantine.schemas import RoomsCreate, SiteCreate
from fangkong.quarantine.sites import do_add_rooms, do_create_site
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Household, Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.scope import SYSTEM, Actor

ZONE = ZoneInfo("Asia/Shanghai")
CITY = "2201"
NANGUAN = "220102"
GRID1 = "220102001001001"  # grid1's grid (南关区 南岭街道)
GRID1_NEIGHBOUR = "220102001001002"  # same community, another grid
GRID2 = "220104001001001"  # grid2's grid (朝阳区)


def today() -> date:
    return datetime.now(ZONE).date()


def at_local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A UTC instant at a local time of a day."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def actor_of(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def make_household(db: Session, grid: str = GRID1, *, members: Sequence[str] = ("张伟", "李娜"),
                   address: str | None = None) -> Household:
    count = len(list(db.scalars(select(Household.id).where(Household.area_code == grid))))
    household = do_create_household(db, actor=SYSTEM, data=HouseholdCreate(
        area_code=grid, address=address or f"隔离测试路{count + 1}号"))
    for index, name in enumerate(members):
        do_create_person(db, actor=SYSTEM, data=PersonCreate(
            household_id=household.id, name=name, relation="head" if index == 0 else "other"))
    db.flush()
    return household


def members_of(db: Session, household: Household) -> list[Person]:
    stmt = select(Person).where(Person.household_id == household.id).order_by(Person.id)
    return list(db.scalars(stmt))


def make_person(db: Session, grid: str = GRID1, name: str = "王芳") -> Person:
    return members_of(db, make_household(db, grid, members=(name,)))[0]


def make_site(db: Session, *, area: str = NANGUAN, name: str = "南关宾馆", rooms: str = "101-103",
              capacity: int = 1, actor: Actor = SYSTEM) -> Site:
    site = do_create_site(db, actor=actor, data=SiteCreate(name=name, area_code=area,
                                                           address="人民大街1号"))
    do_add_rooms(db, actor=actor, site=site, data=RoomsCreate(numbers=rooms, capacity=capacity))
    return site


def rooms_of(db: Session, site: Site) -> list[Room]:
    return list(db.scalars(select(Room).where(Room.site_id == site.id).order_by(Room.number)))


def quarantine(db: Session, person: Person, *, kind: QuarantineKind = QuarantineKind.HOME,
               start: date | None = None, actor: Actor = SYSTEM, site: Site | None = None,
               days: int | None = None, now: datetime | None = None) -> Quarantine:
    return do_start_quarantine(db, actor=actor, person=person, kind=kind,
                               start=start or today(), site=site, days=days, now=now)


def days_ago(count: int) -> date:
    return today() - timedelta(days=count)
