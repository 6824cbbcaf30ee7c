"""Registry fixtures: actors of the demo personas, valid ID numbers, households and persons."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from registry_helpers import GRID1
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.models import Household, Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.scope import Actor


@pytest.fixture
def actor_of(db: Session) -> Callable[[str], Actor]:
    def actor(username: str) -> Actor:
        user = get_user_by_username(db, username)
        assert user is not None
        return user.actor("testclient")

    return actor


@pytest.fixture
def make_household(db: Session, actor_of: Callable[[str], Actor]) -> Callable[..., Household]:
    def make(grid: str = GRID1, address: str = "人民大街1号", **fields: object) -> Household:
        data = HouseholdCreate.model_validate({"area_code": grid, "address": address, **fields})
        return do_create_household(db, actor=actor_of("admin"), data=data)

    return make


@pytest.fixture
def make_person(db: Session, actor_of: Callable[[str], Actor]) -> Callable[..., Person]:
    def make(household: Household | None = None, name: str = "张伟", **fields: object) -> Person:
        place: dict[str, object] = (
            {"household_id": household.id} if household else {"area_code": GRID1}
        )
        data = PersonCreate.model_validate({"name": name, **place, **fields})
        return do_create_person(db, actor=actor_of("admin"), data=data)

    return make
