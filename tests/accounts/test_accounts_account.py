"""One's own account: profile, password change under the policy, language, forced change."""

from __future__ import annotations

import httpx
import pytest
from accounts_helpers import (
    PASSWORD,
    actor,
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
from fangkong.accounts.actions import do_reset_password
from fangkong.accounts.models import User, UserSession
from fangkong.accounts.security import hash_password, verify_password
from fangkong.permissions import Role

NEW = "Autumn2020xyz"


def change(
    client: TestClient, current: str, new: str, confirm: str | None = None
) -> httpx.Response:
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm, "csrf_token": csrf_of(client),
    }, follow_redirects=False)


def sessions(db: Session, user: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def test_account_page_shows_role_and_area(client: TestClient, db: Session) -> None:
    user = make_user(db, role=Role.COMMANDER, area="220102001", name="南岭指挥员")
    login(client, user.username, PASSWORD)
    page = client.get("/account")
    assert page.status_code == 200
    for text in ("南岭指挥员", user.username, "指挥部", "南岭街道", "220102001", "修改密码",
                 'id="current_password"', 'id="new_password"', 'name="locale"'):
        assert text in page.text


def test_account_page_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_change_password(app: FastAPI, client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    with browser(app) as other:
        login(other, user.username, PASSWORD)
        response = change(client, PASSWORD, NEW)
        assert response.status_code == 303
        assert response.headers["location"] == "/account?done=password"
        assert "密码已修改" in client.get(response.headers["location"]).text
        assert other.get("/api/v1/me").status_code == 401  # other sessions end
    assert verify_password(user.password_hash, NEW)
    assert len(sessions(db, user)) == 1
    [entry] = [e for e in audit_entries(db, record_id=str(user.id)) if e.action == "update"]
    assert entry.detail == {"password": "changed"}
    assert NEW not in str(entry.detail)


@pytest.mark.parametrize(("new", "message", "field"), [
    ("short1", "密码至少需要 10 个字符", "new_password"),
    ("onlyletterslong", "密码须同时包含字母和数字", "new_password"),
    ("{username}2020ab", "密码不能包含用户名", "new_password"),
    (PASSWORD, "新密码不能与当前密码相同", "new_password"),
])
def test_change_password_follows_the_policy(
    client: TestClient, db: Session, new: str, message: str, field: str
) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    response = change(client, PASSWORD, new.format(username=user.username))
    assert response.status_code == 422
    assert message in response.text
    assert f'aria-describedby="{field}-error"' in response.text
    assert verify_password(user.password_hash, PASSWORD)


def test_change_password_needs_the_current_one(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    with browser(app) as other:
        login(other, user.username, PASSWORD)
        response = change(other, "Wrong1234567", NEW)
    assert response.status_code == 400
    assert "当前密码不正确" in response.text
    assert verify_password(user.password_hash, PASSWORD)


def test_change_password_needs_the_same_new_password_twice(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    response = change(client, PASSWORD, NEW, confirm=NEW + "x")
    assert response.status_code == 422
    assert "两次输入的新密码不一致" in response.text
    assert verify_password(user.password_hash, PASSWORD)


def test_language_preference_is_saved(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    response = client.post("/account/locale", data={"locale": "en",
                                                    "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert user.locale == "en"
    assert client.cookies.get("fk_lang") == "en"
    assert "Your language preference has been saved." in client.get("/account?done=locale").text


def test_an_unknown_language_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    response = client.post("/account/locale", data={"locale": "xx",
                                                    "csrf_token": csrf_of(client)})
    assert response.status_code == 422
    assert user.locale is None


def test_after_a_reset_every_page_leads_to_the_account_page(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, role=Role.ADMIN, area="2201")
    password = do_reset_password(db, actor=actor(db, "admin"), user=user)
    db.commit()  # out of reach of a failing request's rollback
    response = client.post("/login", data={"username": user.username, "password": password,
                                           "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.headers["location"] == "/account"
    for path in ("/admin/users", "/audit", "/admin/tokens", f"/admin/users/{user.id}"):
        moved = client.get(path, follow_redirects=False)
        assert moved.status_code == 303, path
        assert moved.headers["location"] == "/account"
    page = client.get("/account")
    assert "您的密码已被重置" in page.text
    assert change(client, password, NEW).status_code == 303
    assert not user.must_change_password
    assert client.get("/admin/users").status_code == 200


def test_the_api_is_not_held_by_the_forced_change(client: TestClient, db: Session) -> None:
    user = make_user(db)
    do_reset_password(db, actor=actor(db, "admin"), user=user)
    user.password_hash = hash_password(PASSWORD)  # a known password, still flagged
    db.commit()  # out of reach of a failing request's rollback
    login(client, user.username, PASSWORD)
    me = client.get("/api/v1/me").json()
    assert me["must_change_password"] is True
