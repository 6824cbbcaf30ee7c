"""Arrivals fixtures: the demo policy (key areas, rules, checkpoints) inside each test."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.arrivals.demo import do_seed_demo_arrivals_policy
from fangkong.arrivals.models import Checkpoint


@pytest.fixture
def policy(db: Session) -> Session:
    """The demo's key areas, rules and checkpoints (rolled back with the test)."""
    do_seed_demo_arrivals_policy(db)
    return db


@pytest.fixture
def station(policy: Session) -> Checkpoint:
    """长春站 in 宽城区, the demo checkpoint officer's station."""
    return policy.scalars(select(Checkpoint).where(Checkpoint.name == "长春站")).one()


@pytest.fixture
def airport(policy: Session) -> Checkpoint:
    """龙嘉国际机场 in 九台区, outside the checkpoint officer's area."""
    return policy.scalars(select(Checkpoint).where(Checkpoint.name == "龙嘉国际机场")).one()

