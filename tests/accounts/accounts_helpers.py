"""Helpers of the accounts tests: users made through actions, audit entries, more browsers.

The tests never change the demo personas and never fail a sign-in from the shared test client's
address: each makes its own users (unique names) and, to fail sign-ins, its own browser with
its own client address, so nothing they leave behind can lock or alter anyone else's test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts import security
from fangkong.accounts.actions import do_create_user
from fangkong.accounts.models import AuditEntry, User
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.schemas import UserCreate
from fangkong.permissions import Role
from fangkong.scope import SYSTEM, Actor

PASSWORD = "Spring2020abc"
AsUser = Callable[[str], TestClient]


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for the users a test makes (import it to use it)."""
    monkeypatch.setattr(security, "_hasher", PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1))


def unique(prefix: str) -> str:
    """A username nobody else uses."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def make_user(
    db: Session, username: str | None = None, *, role: Role = Role.GRID_WORKER,
    area: str = "220102001001001", password: str = PASSWORD, name: str = "测试用户",
) -> User:
    """A new user (with a unique name unless given), created as the system would."""
    return do_create_user(db, actor=SYSTEM, data=UserCreate(
        username=username or unique("u"), display_name=name, role=role, area_code=area,
        password=password,
    ))


def user(db: Session, username: str) -> User:
    found = get_user_by_username(db, username)
    assert found is not None
    return found


def actor(db: Session, username: str) -> Actor:
    return user(db, username).actor("127.0.0.1")


def audit_entries(db: Session, **where: object) -> list[AuditEntry]:
    """Audit entries matching the given columns, oldest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(db.scalars(stmt))


@contextmanager
def browser(app: FastAPI) -> Iterator[TestClient]:
    """Another browser, from an address of its own (inside a test using the `client` fixture)."""
    address = "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    with TestClient(app, base_url="http://testserver", client=(address, 50000)) as other:
        yield other
