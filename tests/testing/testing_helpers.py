"""Testing-module test helpers: persons made through the registry's actions, tubes collected
as the hospital or a grid worker would, lab files written as labs send them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.registry.validators import id_check_character
from fangkong.scope import SYSTEM, Actor
from fangkong.testing.actions import do_collect_sample
from fangkong.testing.codes import Pool, Reason, SampleKind
from fangkong.testing.models import Sample

ZONE = ZoneInfo("Asia/Shanghai")
GRID1 = "220102001001001"  # grid1's grid (南关区 南岭街道)
GRID1_NEIGHBOUR = "220102001001002"  # same community, another grid
COMMUNITY1 = "220102001001"
GRID2 = "220104001001001"  # grid2's grid (朝阳区), in the hospital's district
GRID2_NEIGHBOUR = "220104001001002"


def resident_id(sequence: int, *, birth: date = date(1985, 3, 12), region: str = "220104") -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_character(first17)


def actor_of(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def today() -> date:
    return datetime.now(ZONE).date()


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)


def chinese(number: int) -> str:
    return "".join("零一二三四五六七八九"[int(digit)] for digit in str(number))


def make_persons(db: Session, grid: str = GRID2, count: int = 1, *, first: int = 100,
                 names: Sequence[str] = ()) -> list[Person]:
    """`count` persons with ID numbers in one household of a grid."""
    household = do_create_household(db, actor=SYSTEM, data=HouseholdCreate(
        area_code=grid, address=f"检测测试路{first}号"))
    persons = []
    for index in range(count):
        name = names[index] if index < len(names) else "受检者" + chinese(first + index)
        persons.append(do_create_person(db, actor=SYSTEM, data=PersonCreate(
            household_id=household.id, name=name, id_number=resident_id(first + index),
            relation="head" if index == 0 else "other")))
    db.flush()
    return persons


def collect(db: Session, persons: list[Person], tube: str, *, actor: Actor = SYSTEM,
            pool: Pool | None = None, at: datetime | None = None,
            reason: Reason = Reason.MASS) -> Sample:
    return do_collect_sample(db, actor=actor, persons=persons, kind=SampleKind.NUCLEIC_ACID,
                             reason=reason, tube_code=tube, collected_at=at or hours_ago(6),
                             where="社区采样点", pool=pool)


def write_csv(path: Path, rows: Sequence[Sequence[object]], *,
              header: Sequence[str] = ("试管编号", "检测结果", "检测时间", "检测机构"),
              title: str | None = "核酸检测结果报告", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stamp(moment: datetime) -> str:
    """A time as a lab file writes it: local, to the second."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def csrf_headers(client: TestClient) -> dict[str, str]:
    token = client.cookies.get("fk_csrf")
    assert token
    return {"X-CSRF-Token": token}
