"""Helpers of the arrivals tests: valid ID numbers, trips, registry persons, actors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.registry.models import Household, Person
from fangkong.registry.validators import id_check_character
from fangkong.scope import Actor

GRID1 = "220102001001001"
COMMUNITY1 = "220102001001"
GRID2 = "220104001001001"
WUHAN = "4201"
WENZHOU = "3303"


def id_number(serial: int, *, region: str = "220102", birth: str = "19800101") -> str:
    """A valid resident ID number (right check character), distinct per serial."""
    first17 = f"{region}{birth}{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def wrong_check(number: str) -> str:
    """The same number with a wrong check character."""
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def actor(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def person(serial: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"name": f"旅客{'一二三四五六七八九十'[serial % 10]}",
                           "id_number": id_number(serial), "phone": "13800138000",
                           "temperature": "36.5"}
    row.update(fields)
    return row


def trip(*people: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"origin_code": WUHAN, "transport": "G1234",
                            "destination_address": "人民大街1号", "reason": "返家",
                            "people": list(people) or [person(1)]}
    data.update(fields)
    return data


def recently(minutes: int = 30) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def registry_person(db: Session, serial: int, *, grid: str = GRID1, name: str = "王伟") -> Person:
    """A household with one person in the registry (the registry's actions are another
    module's; plain rows are enough to be found by ID number)."""
    household = Household(code=f"T{serial:06d}", area_code=grid, address="幸福小区1栋",
                          head_name=name, members=1)
    db.add(household)
    db.flush()
    row = Person(area_code=grid, household_id=household.id, name=name,
                 id_number=id_number(serial), relation="head")
    db.add(row)
    db.flush()
    return row
