"""Registry test helpers: the demo grids, valid resident ID numbers, actors of the demo personas,
households and persons made through the actions (as the administrator unless told)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.registry import importer_job
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Household, Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.registry.validators import id_check_character
from fangkong.scope import Actor

GRID1 = "220102001001001"  # grid1's grid (南关区 南岭街道)
GRID1_NEIGHBOUR = "220102001001002"  # same community, another grid
GRID2 = "220104001001001"  # grid2's grid (朝阳区)


def resident_id(birth: date, sequence: int, *, region: str = "220102") -> str:
    """A valid 18-character resident ID number; an odd sequence is a man, even a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def actor_of(db: Session, username: str) -> Actor:
    user = get_user_by_username(db, username)
    assert user is not None
    return user.actor("testclient")


def make_household(
    db: Session, grid: str = GRID1, address: str = "人民大街1号", **fields: object
) -> Household:
    data = HouseholdCreate.model_validate({"area_code": grid, "address": address, **fields})
    return do_create_household(db, actor=actor_of(db, "admin"), data=data)


def make_person(
    db: Session, household: Household | None = None, name: str = "张伟", **fields: object
) -> Person:
    place: dict[str, object] = (
        {"household_id": household.id} if household else {"area_code": GRID1}
    )
    data = PersonCreate.model_validate({"name": name, **place, **fields})
    return do_create_person(db, actor=actor_of(db, "admin"), data=data)


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The double-submit CSRF header of a signed-in client (its cookie, set at sign-in)."""
    token = client.cookies.get("fk_csrf")
    assert token
    return {"X-CSRF-Token": token}


def counted_write_turns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gains an entry for each transaction of a whole-file import that ends in its
    turn at the write gate (the real turn is still taken)."""
    turns: list[int] = []
    real = importer_job.write_turn

    @contextmanager
    def counted(session: Session) -> Iterator[None]:
        with real(session):
            yield
            turns.append(1)

    monkeypatch.setattr(importer_job, "write_turn", counted)
    return turns
