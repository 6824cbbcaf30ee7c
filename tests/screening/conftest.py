"""Screening fixtures: the demo personas as actors, and a city-wide round."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from screening_helpers import actor_of, make_round
from sqlalchemy.orm import Session

from fangkong.scope import Actor
from fangkong.screening.models import ScreeningRound


@pytest.fixture
def actors(db: Session) -> Callable[[str], Actor]:
    return lambda username: actor_of(db, username)


@pytest.fixture
def city_round(db: Session) -> ScreeningRound:
    """An active round over the whole city, started three days ago."""
    return make_round(db)
