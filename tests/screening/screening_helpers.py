"""Screening test helpers: demo grids, households made through the registry's actions, rounds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Household, Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.scope import SYSTEM, Actor
from fangkong.screening.actions import do_create_round, do_record_visit
from fangkong.screening.models import ScreeningRound, Visit
from fangkong.screening.schemas import MemberCheck, Outcome, RoundCreate

ZONE = ZoneInfo("Asia/Shanghai")
CITY = "2201"
GRID1 = "220102001001001"  # grid1's grid (南关区 南岭街道)
GRID1_NEIGHBOUR = "220102001001002"  # same community, another grid
GRID2 = "220104001001001"  # grid2's grid (朝阳区)


def today() -> date:
    return datetime.now(ZONE).date()


def at_local(day: date, hour: int = 10) -> datetime:
    """A UTC instant at a local hour of a day."""
    return datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)


def actor_of(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def make_household(db: Session, grid: str = GRID1, *, members: Sequence[str] = ("张伟", "李娜"),
                   address: str | None = None) -> Household:
    """A household with its members, registered as an administrator would."""
    count = len(list(db.scalars(select(Household.id).where(Household.area_code == grid))))
    household = do_create_household(db, actor=SYSTEM, data=HouseholdCreate(
        area_code=grid, address=address or f"幸福路{count + 1}号"))
    for index, name in enumerate(members):
        do_create_person(db, actor=SYSTEM, data=PersonCreate(
            household_id=household.id, name=name, relation="head" if index == 0 else "other"))
    db.flush()
    return household


def members_of(db: Session, household: Household) -> list[Person]:
    stmt = select(Person).where(Person.household_id == household.id).order_by(Person.id)
    return list(db.scalars(stmt))


def make_round(db: Session, *, area: str = CITY, name: str = "第一轮排查",
               starts: int = -3, ends: int = 4, actor: Actor = SYSTEM) -> ScreeningRound:
    """An active round from `starts` to `ends` days around today."""
    return do_create_round(db, actor=actor, data=RoundCreate(
        name=name, area_code=area, starts_on=today() + timedelta(days=starts),
        ends_on=today() + timedelta(days=ends)))


def well(db: Session, household: Household) -> list[MemberCheck]:
    return [MemberCheck(person_id=person.id) for person in members_of(db, household)]


def visit(db: Session, actor: Actor, round_: ScreeningRound, household: Household,
          outcome: Outcome = Outcome.VISITED, *, members: list[MemberCheck] | None = None,
          at: datetime | None = None) -> Visit:
    """Record a visit; a visited household has every member present and well by default."""
    lines = members if members is not None else (
        well(db, household) if outcome is Outcome.VISITED else [])
    return do_record_visit(db, actor=actor, round=round_, household=household, outcome=outcome,
                           members=lines, visited_at=at, zone=ZONE)


def fever(person: Person, temperature: str = "38.2") -> MemberCheck:
    return MemberCheck(person_id=person.id, temperature=Decimal(temperature))
