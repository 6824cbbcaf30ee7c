"""Signing in and out through the pages: cookies, session rows, audit, messages."""

from __future__ import annotations

from datetime import timedelta

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
from fangkong.accounts.models import LoginAttempt, User, UserSession
from fangkong.accounts.security import token_hash
from fangkong.db import utcnow


def post_login(client: TestClient, username: str, password: str, **extra: str) -> httpx.Response:
    data = {"username": username, "password": password, "csrf_token": csrf_of(client), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def sessions_of(db: Session, user: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def test_login_page_is_chinese_by_default_with_the_form_fields(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'lang="zh-CN"' in page.text
    assert "登录" in page.text
    for needle in ('id="username"', 'id="password"', 'type="password"', '<button type="submit"',
                   'name="csrf_token"', 'name="next"', 'name="viewport"'):
        assert needle in page.text


def test_login_keeps_next_in_the_form(client: TestClient) -> None:
    page = client.get("/login", params={"next": "/areas/2201"})
    assert 'name="next" value="/areas/2201"' in page.text


def test_successful_login_sets_cookies_session_and_audit(client: TestClient, db: Session) -> None:
    user = make_user(db)
    old_csrf = csrf_of(client)
    response = post_login(client, user.username, PASSWORD, next="/areas/220102001001001")
    assert response.status_code == 303
    assert response.headers["location"] == "/areas/220102001001001"
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("fk_session="))
    assert "httponly" in session_cookie.lower()
    assert "samesite=lax" in session_cookie.lower()
    assert client.cookies.get("fk_csrf") not in (None, old_csrf)
    assert user.last_login_at is not None
    [row] = sessions_of(db, user)
    assert round((row.expires_at - row.created_at) / timedelta(hours=1)) == 12
    signer = client.app.state.cookie_signer  # type: ignore[attr-defined]
    assert row.token_hash == token_hash(signer.unsign(client.cookies.get("fk_session")))
    assert row.csrf_token == client.cookies.get("fk_csrf")
    [entry] = audit_entries(db, action="login", actor_name=user.username)
    assert entry.area_code == user.area_code
    assert entry.client_addr == "testclient"
    assert client.get("/api/v1/me").json()["username"] == user.username


def test_login_ignores_a_next_pointing_elsewhere(client: TestClient, db: Session) -> None:
    user = make_user(db)
    response = post_login(client, user.username, PASSWORD, next="https://evil.example/")
    assert response.headers["location"] == "/"


def test_login_accepts_the_username_in_capitals(client: TestClient, db: Session) -> None:
    user = make_user(db)
    assert post_login(client, f" {user.username.upper()} ", PASSWORD).status_code == 303


def test_login_sets_the_language_of_the_user(client: TestClient, db: Session) -> None:
    user = make_user(db)
    user.locale = "en"
    db.commit()  # out of reach of a failing request's rollback
    assert post_login(client, user.username, PASSWORD).status_code == 303
    assert client.cookies.get("fk_lang") == "en"
    assert "My account" in client.get("/account").text


def test_wrong_password_and_unknown_user_get_the_same_answer(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    with browser(app) as other:
        wrong = post_login(other, user.username, "Nope12345678")
        unknown = post_login(other, "nobody-" + user.username, "Nope12345678")
        assert "fk_session" not in other.cookies
    assert wrong.status_code == unknown.status_code == 400
    assert "用户名或密码不正确" in wrong.text
    assert "用户名或密码不正确" in unknown.text
    assert f'value="{user.username}"' in wrong.text
    [failed] = audit_entries(db, action="login_failed", actor_name=user.username)
    assert failed.area_code == user.area_code
    assert failed.actor_id is None
    [stranger] = audit_entries(db, action="login_failed", actor_name="nobody-" + user.username)
    assert stranger.area_code == ""
    attempts = db.scalars(select(LoginAttempt).where(
        LoginAttempt.username.in_([user.username, "nobody-" + user.username]))).all()
    assert {(a.username, a.success) for a in attempts} == {
        (user.username, False), ("nobody-" + user.username, False)}
    assert not sessions_of(db, user)


def test_empty_fields_are_refused_with_a_message(client: TestClient) -> None:
    response = client.post("/login", data={"username": "", "password": "",
                                           "csrf_token": csrf_of(client)})
    assert response.status_code == 400
    assert "请输入用户名和密码" in response.text


def test_login_without_csrf_token_changes_nothing(client: TestClient, db: Session) -> None:
    user = make_user(db)
    csrf_of(client)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "<code>csrf</code>" in response.text
    assert not sessions_of(db, user)


def test_disabled_user_cannot_sign_in(app: FastAPI, client: TestClient, db: Session) -> None:
    user = make_user(db)
    user.is_active = False
    db.commit()  # out of reach of a failing request's rollback
    with browser(app) as other:
        response = post_login(other, user.username, PASSWORD)
    assert response.status_code == 400
    assert "已被停用" in response.text
    assert not sessions_of(db, user)


def test_logout_ends_the_session(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    assert len(sessions_of(db, user)) == 1
    response = client.post("/logout", data={"csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert not sessions_of(db, user)
    assert "fk_session" not in client.cookies
    assert audit_entries(db, action="logout", actor_name=user.username)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_logout_in_one_browser_keeps_the_other(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    with browser(app) as other:
        login(other, user.username, PASSWORD)
        client.post("/logout", data={"csrf_token": csrf_of(client)})
        assert other.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_expired_session_redirects_to_login_with_a_notice(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    [row] = sessions_of(db, user)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()  # out of reach of a failing request's rollback
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    page = client.get(response.headers["location"])
    assert "会话已过期" in page.text
    assert "fk_session" not in client.cookies
    assert "会话已过期" not in client.get("/login").text


def test_a_signed_in_person_skips_the_login_page(client: TestClient) -> None:
    login(client, "grid1")
    response = client.get("/login", params={"next": "/account"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"

