"""Transactions belong to the edge: a request whose commit fails answers an error, never 200,
and leaves nothing behind. The real `get_session` dependency runs; only its session's commit
is made to fail after the changes were flushed, as a lost connection or a deferred constraint
would make it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.models import AuditEntry, LoginAttempt, User
from fangkong.accounts.queries import get_user_by_username
from fangkong.scope import SYSTEM

WRITES = [
    pytest.param("/locale", id="core-locale-switch"),
    pytest.param("/account/locale", id="account-locale-preference"),
]


def admin_token(db: Session) -> tuple[int, str]:
    """The admin's id and a new API token of theirs, committed before the request."""
    user = get_user_by_username(db, "admin")
    assert user is not None
    _row, secret = do_create_token(db, actor=SYSTEM, user=user, name="transaction test")
    db.commit()  # into the test's outer transaction, out of reach of the request's rollback
    return user.id, secret


def audit_count(db: Session, user_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.resource == "user", AuditEntry.record_id == str(user_id))) or 0


@pytest.fixture
def raw_client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """A client whose requests go through the real `get_session`, on the test's session."""
    # starlette's State does not survive monkeypatch.undo
    factories = (app.state.session_factory, app.state.write_session_factory)
    app.state.session_factory = app.state.write_session_factory = lambda: db
    try:
        with TestClient(app, base_url="http://testserver",
                        raise_server_exceptions=False) as client:
            yield client
    finally:
        app.state.session_factory, app.state.write_session_factory = factories


@pytest.mark.parametrize("path", WRITES)
def test_a_request_that_commits_answers_with_success(
    raw_client: TestClient, db: Session, path: str
) -> None:
    user_id, secret = admin_token(db)
    response = raw_client.post(path, data={"locale": "zh_Hans"}, follow_redirects=False,
                               headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 303, response.text
    db.expire_all()
    assert db.get_one(User, user_id).locale == "zh_Hans"


@pytest.mark.parametrize("path", WRITES)
def test_a_failed_commit_answers_an_error_and_stores_nothing(
    raw_client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    user_id, secret = admin_token(db)
    before = audit_count(db, user_id)
    locale_before = db.get_one(User, user_id).locale
    assert locale_before != "en"
    flushed: list[bool] = []

    def failing_commit() -> None:
        db.flush()
        flushed.append(True)
        raise OperationalError("COMMIT", {}, RuntimeError("the server refused the commit"))

    with monkeypatch.context() as patch:
        patch.setattr(db, "commit", failing_commit)
        response = raw_client.post(path, data={"locale": "en"}, follow_redirects=False,
                                   headers={"Authorization": f"Bearer {secret}"})
    assert flushed, "the request never tried to commit"
    assert response.status_code >= 500, (response.status_code, response.text[:500])
    db.expire_all()
    assert db.get_one(User, user_id).locale == locale_before
    assert audit_count(db, user_id) == before


def test_a_commit_inside_a_test_stays_in_the_tests_transaction(db: Session, engine: Engine) -> None:
    """The fixtures' promise: what a test commits is a savepoint, invisible to others and
    rolled back at the end (on SQLite this needs the driver's own transaction handling off)."""
    probe = f"isolation-probe-{uuid.uuid4().hex[:8]}"
    db.add(LoginAttempt(username=probe, client_addr="127.0.0.1", success=False))
    db.commit()
    with engine.connect() as other:
        seen = other.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == probe))
    assert seen == 0, "a commit inside a test reached the database: tests are not isolated"
