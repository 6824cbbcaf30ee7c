"""Throttling: failures lock a username or an address for a while, with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from accounts_helpers import (
    PASSWORD,
    audit_entries,
    browser,
    fast_hashing,  # noqa: F401 - an autouse fixture
    make_user,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import csrf_of, login
from fangkong.accounts.models import LoginAttempt, UserSession
from fangkong.accounts.signin import ThrottlePolicy, locked_until
from fangkong.db import utcnow

POLICY = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15),
                        lock=timedelta(minutes=15))
T0 = datetime(2020, 2, 1, 8, 0, tzinfo=UTC)


def minutes(*values: float) -> list[datetime]:
    return [T0 + timedelta(minutes=value) for value in values]


def post_login(client: TestClient, username: str, password: str) -> httpx.Response:
    data = {"username": username, "password": password, "csrf_token": csrf_of(client)}
    return client.post("/login", data=data, follow_redirects=False)


def test_fewer_failures_than_the_limit_lock_nothing() -> None:
    assert locked_until(minutes(0, 1, 2, 3), POLICY) is None
    assert locked_until([], POLICY) is None


def test_the_limit_within_the_window_locks_from_the_last_failure() -> None:
    assert locked_until(minutes(0, 1, 2, 3, 10), POLICY) == T0 + timedelta(minutes=25)


def test_failures_spread_wider_than_the_window_lock_nothing() -> None:
    assert locked_until(minutes(0, 5, 10, 15.5, 20), POLICY) is None


def test_attempts_while_locked_do_not_prolong_the_lock() -> None:
    times = minutes(0, 1, 2, 3, 4, 6, 8, 10, 12, 14, 18)
    assert locked_until(times, POLICY) == T0 + timedelta(minutes=19)


def test_a_new_series_after_the_lock_locks_again() -> None:
    times = minutes(0, 1, 2, 3, 4, 20, 21, 22, 23, 24)
    assert locked_until(times, POLICY) == T0 + timedelta(minutes=39)


def test_five_failures_lock_the_account_even_for_the_right_password(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    with browser(app) as other:
        for _ in range(5):
            assert post_login(other, user.username, "Wrong1234567").status_code == 400
        locked = post_login(other, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多，请等待 15 分钟后再试" in locked.text
    assert not db.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    attempts = db.scalars(select(LoginAttempt).where(LoginAttempt.username == user.username))
    assert [attempt.success for attempt in attempts] == [False] * 6
    reasons = [e.detail["reason"] for e in audit_entries(db, actor_name=user.username)
               if e.action == "login_failed"]
    assert reasons == ["accounts.login_failed"] * 5 + ["accounts.locked"]
    with browser(app) as elsewhere:
        assert post_login(elsewhere, user.username, PASSWORD).status_code == 429


def test_five_failures_from_one_address_lock_that_address(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    with browser(app) as attacker:
        for number in range(5):
            post_login(attacker, f"guess{number}-{user.username}", "Wrong1234567")
        response = post_login(attacker, user.username, PASSWORD)
        assert response.status_code == 429
        assert "分钟" in response.text
    with browser(app) as honest:
        login(honest, user.username, PASSWORD)


def test_the_lock_ends_after_its_minutes(app: FastAPI, client: TestClient, db: Session) -> None:
    user = make_user(db)
    long_ago = utcnow() - timedelta(minutes=16)
    for second in range(5):
        db.add(LoginAttempt(at=long_ago + timedelta(seconds=second), username=user.username,
                            client_addr="192.0.2.1", success=False))
    db.commit()  # out of reach of a failing request's rollback
    with browser(app) as other:
        assert post_login(other, user.username, PASSWORD).status_code == 303


def test_the_lock_shows_the_minutes_left(app: FastAPI, client: TestClient, db: Session) -> None:
    user = make_user(db)
    started = utcnow() - timedelta(minutes=10, seconds=30)
    for second in range(5):
        db.add(LoginAttempt(at=started + timedelta(seconds=second), username=user.username,
                            client_addr="192.0.2.2", success=False))
    db.commit()  # out of reach of a failing request's rollback
    with browser(app) as other:
        response = post_login(other, user.username, PASSWORD)
    assert response.status_code == 429
    assert "请等待 5 分钟" in response.text


def test_wrong_current_passwords_lock_the_api_too(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    with browser(app) as other:
        login(other, user.username, PASSWORD)
        headers = {"X-CSRF-Token": csrf_of(other)}
        body = {"current_password": "Wrong1234567", "new_password": "Autumn2020xyz"}
        for _ in range(5):
            wrong = other.post("/api/v1/me/password", json=body, headers=headers)
            assert wrong.status_code == 400
            assert wrong.json()["code"] == "accounts.wrong_password"
        body["current_password"] = PASSWORD
        locked = other.post("/api/v1/me/password", json=body, headers=headers)
    assert locked.status_code == 429
    assert locked.json()["code"] == "accounts.locked"
    assert "15" in locked.json()["message"]
    failures = db.scalars(select(LoginAttempt).where(
        LoginAttempt.username == user.username, LoginAttempt.success.is_(False)))
    assert len(list(failures)) == 6
