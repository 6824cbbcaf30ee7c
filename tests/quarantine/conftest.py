"""Quarantine fixtures: the demo personas as actors, a household in grid1's grid, a site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from quarantine_helpers import actor_of, make_household, make_site
from sqlalchemy.orm import Session

from fangkong.quarantine.models import Site
from fangkong.quarantine.schemas import RoomsCreate
from fangkong.quarantine.sites import do_add_rooms
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM, Actor


@pytest.fixture
def actors(db: Session) -> Callable[[str], Actor]:
    return lambda username: actor_of(db, username)


@pytest.fixture
def household(db: Session) -> Household:
    """张伟 and 李娜 in grid1's grid."""
    return make_household(db)


@pytest.fixture
def site(db: Session) -> Site:
    """南关宾馆 in 南关区: rooms 101-103 with one bed each, and family room 201 with three."""
    site = make_site(db)
    do_add_rooms(db, actor=SYSTEM, site=site, data=RoomsCreate(numbers="201", capacity=3))
    return site
