"""Administration pages: the user list, creating, editing, disabling, resetting; API tokens."""

from __future__ import annotations

import re
from typing import NamedTuple

import httpx
import pytest
from accounts_helpers import (
    PASSWORD,
    AsUser,
    actor,
    audit_entries,
    browser,
    fast_hashing,  # noqa: F401 - an autouse fixture
    make_user,
    unique,
    user,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import csrf_of, login
from fangkong.accounts.models import ApiToken, User, UserSession
from fangkong.accounts.queries import access_user
from fangkong.accounts.security import TOKEN_PREFIX, verify_password
from fangkong.errors import NotFound
from fangkong.permissions import Role


def post(client: TestClient, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": csrf_of(client)},
                       follow_redirects=False)


def new_user_form(**changes: str) -> dict[str, str]:
    form = {"username": unique("new"), "display_name": "新网格员", "role": "grid_worker",
            "area_code": "220102001001002", "phone": "13800000000", "password": PASSWORD}
    return {**form, **changes}


def sessions(db: Session, person: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == person.id)))


def test_the_user_list_shows_everyone_to_an_admin(as_user: AsUser) -> None:
    page = as_user("admin").get("/admin/users", params={"size": 500})
    assert page.status_code == 200
    for text in ("grid1", "nanguan", "南关区指挥部", "网格员", "指挥部", "南关区"):
        assert text in page.text


@pytest.mark.parametrize(("query", "present", "absent"), [
    ({"q": "grid"}, ["grid1", "grid2"], ["nanguan", "hospital"]),
    ({"q": "南关区"}, ["nanguan"], ["grid1", "hospital"]),
    ({"role": "commander"}, ["city", "nanguan", "nanling"], ["grid1", "hospital"]),
    ({"area": "220102"}, ["nanguan", "nanling", "grid1"], ["grid2", "hospital", ">city<"]),
])
def test_the_user_list_searches(
    as_user: AsUser, query: dict[str, str], present: list[str], absent: list[str]
) -> None:
    page = as_user("admin").get("/admin/users", params=query)
    assert page.status_code == 200
    for text in present:
        assert f">{text}<" in page.text
    for text in absent:
        assert (text if text.startswith(">") else f">{text}<") not in page.text


def test_the_user_list_pages(as_user: AsUser, db: Session) -> None:
    prefix = unique("pg")
    names = [make_user(db, f"{prefix}{number}").username for number in range(3)]
    client = as_user("admin")
    first = client.get("/admin/users", params={"size": 2, "q": prefix})
    assert "page=2" in first.text
    assert "第 1 / 2 页，共 3 条" in first.text
    assert f">{names[1]}<" in first.text
    second = client.get("/admin/users", params={"size": 2, "page": 2, "q": prefix})
    assert f">{names[2]}<" in second.text
    assert f">{names[0]}<" not in second.text


def test_commanders_and_grid_workers_cannot_open_the_admin_pages(as_user: AsUser) -> None:
    for name in ("nanguan", "grid1"):
        client = as_user(name)
        for path in ("/admin/users", "/admin/users/new", "/admin/tokens"):
            assert client.get(path).status_code == 403, (name, path)


def test_create_a_user(as_user: AsUser, db: Session) -> None:
    client = as_user("admin")
    assert 'id="username"' in client.get("/admin/users/new").text
    form = new_user_form()
    name = form["username"]
    response = post(client, "/admin/users/new", **form)
    assert response.status_code == 303
    created = user(db, name)
    assert response.headers["location"] == f"/admin/users/{created.id}?done=created"
    assert (created.role, created.area_code, created.phone) == (
        "grid_worker", "220102001001002", "13800000000")
    assert verify_password(created.password_hash, PASSWORD)
    [entry] = audit_entries(db, action="create", resource="user", record_id=str(created.id))
    assert entry.actor_name == "admin"
    assert "password" not in entry.detail
    assert "用户已创建" in client.get(response.headers["location"]).text


class Bad(NamedTuple):
    changes: dict[str, str]
    field: str
    message: str
    status: int


@pytest.mark.parametrize("bad", [
    Bad({"username": "grid1"}, "username", "此用户名已被占用", 409),
    Bad({"area_code": "990000"}, "area_code", "区划", 422),
    Bad({"password": "short1"}, "password", "密码至少需要 10 个字符", 422),
    Bad({"username": "A b"}, "username", "", 422),
    Bad({"role": "emperor"}, "role", "", 422),
], ids=lambda bad: bad.field + "-" + str(bad.status))
def test_create_refuses_bad_input_and_keeps_what_was_typed(
    as_user: AsUser, db: Session, bad: Bad
) -> None:
    client = as_user("admin")
    form = new_user_form(**bad.changes)
    response = post(client, "/admin/users/new", **form)
    assert response.status_code == bad.status
    assert f'id="{bad.field}-error"' in response.text
    assert bad.message in response.text
    assert 'value="新网格员"' in response.text
    assert PASSWORD not in response.text
    if bad.field != "username":
        assert db.scalar(select(User).where(User.username == form["username"])) is None


def test_edit_a_user_records_the_difference(as_user: AsUser, db: Session) -> None:
    person = make_user(db, area="220102001001001")
    client = as_user("admin")
    page = client.get(f"/admin/users/{person.id}")
    assert 'value="220102001001001"' in page.text
    response = post(client, f"/admin/users/{person.id}", display_name="改名", role="commander",
                    area_code="220102001", phone="")
    assert response.status_code == 303
    assert (person.display_name, person.role, person.area_code) == ("改名", "commander",
                                                                    "220102001")
    [entry] = audit_entries(db, action="update", record_id=str(person.id))
    assert entry.detail == {
        "display_name": ["测试用户", "改名"], "role": ["grid_worker", "commander"],
        "area_code": ["220102001001001", "220102001"],
    }
    assert entry.area_code == "220102001"


def test_edit_refuses_an_unknown_area(as_user: AsUser, db: Session) -> None:
    person = make_user(db)
    response = post(as_user("admin"), f"/admin/users/{person.id}", display_name="x",
                    role="grid_worker", area_code="990000", phone="")
    assert response.status_code == 422
    assert 'value="990000"' in response.text
    assert person.area_code == "220102001001001"
    assert not audit_entries(db, action="update", record_id=str(person.id))


def test_an_unknown_user_is_not_found(as_user: AsUser) -> None:
    assert as_user("admin").get("/admin/users/987654").status_code == 404


def test_access_is_scoped_to_the_area(db: Session) -> None:
    inside = make_user(db, area="220102001001001")
    outside = make_user(db, area="220104001001001")
    commander = actor(db, "nanguan")
    assert access_user(db, commander, inside.id) is inside
    with pytest.raises(NotFound):
        access_user(db, commander, outside.id)
    with pytest.raises(NotFound):
        access_user(db, commander, 987654)


def test_disable_ends_sessions_and_enable_restores(
    app: FastAPI, as_user: AsUser, db: Session
) -> None:
    person = make_user(db)
    with browser(app) as theirs:
        login(theirs, person.username, PASSWORD)
        client = as_user("admin")
        response = post(client, f"/admin/users/{person.id}/disable")
        assert response.status_code == 303
        assert "账号已停用" in client.get(response.headers["location"]).text
        assert not person.is_active
        assert not sessions(db, person)
        assert theirs.get("/api/v1/me").status_code == 401
        post(client, f"/admin/users/{person.id}/enable")
        assert person.is_active
        login(theirs, person.username, PASSWORD)
    details = [e.detail for e in audit_entries(db, action="update", record_id=str(person.id))]
    assert details == [{"is_active": [True, False]}, {"is_active": [False, True]}]


def test_an_admin_cannot_disable_themself(as_user: AsUser, db: Session) -> None:
    admin = user(db, "admin")
    response = post(as_user("admin"), f"/admin/users/{admin.id}/disable")
    assert response.status_code == 409
    assert "不能停用自己的账号" in response.text
    assert admin.is_active


def test_reset_password_shows_a_temporary_one_once(
    app: FastAPI, as_user: AsUser, db: Session
) -> None:
    person = make_user(db)
    with browser(app) as theirs:
        login(theirs, person.username, PASSWORD)
        client = as_user("admin")
        response = post(client, f"/admin/users/{person.id}/password")
        assert response.status_code == 200
        match = re.search(r'id="temporary-password">([^<]+)<', response.text)
        assert match is not None
        temporary = match.group(1)
        assert temporary not in client.get(f"/admin/users/{person.id}").text
        assert person.must_change_password
        assert not sessions(db, person)
        assert theirs.get("/api/v1/me").status_code == 401
        signed = post(theirs, "/login", username=person.username, password=temporary)
        assert signed.headers["location"] == "/account"
    assert verify_password(person.password_hash, temporary)
    [entry] = audit_entries(db, action="update", record_id=str(person.id))
    assert entry.detail == {"password": "reset"}


def test_tokens_are_issued_shown_once_and_revoked(
    app: FastAPI, as_user: AsUser, db: Session
) -> None:
    person = make_user(db)
    client = as_user("admin")
    response = post(client, "/admin/tokens", username=person.username, name="lab import",
                    expires_days="30")
    assert response.status_code == 200
    match = re.search(r'id="token-secret">([^<]+)<', response.text)
    assert match is not None
    secret = match.group(1)
    assert secret.startswith(TOKEN_PREFIX)
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == person.id))
    assert row is not None
    assert row.expires_at is not None
    assert row.created_by_id == user(db, "admin").id
    listing = client.get("/admin/tokens").text
    assert secret not in listing
    assert row.prefix in listing
    assert "lab import" in listing
    with browser(app) as machine:
        bearer = {"Authorization": f"Bearer {secret}"}
        assert machine.get("/api/v1/me", headers=bearer).json()["username"] == person.username
        revoked = post(client, f"/admin/tokens/{row.id}/revoke")
        assert revoked.status_code == 303
        assert row.revoked_at is not None
        assert machine.get("/api/v1/me", headers=bearer).status_code == 401
    assert "已吊销" in client.get("/admin/tokens").text
    kinds = [(e.action, e.detail.get("revoked")) for e in
             audit_entries(db, resource="api_token", record_id=str(row.id))]
    assert kinds == [("create", None), ("update", True)]


def test_a_token_for_an_unknown_user_is_refused(as_user: AsUser, db: Session) -> None:
    response = post(as_user("admin"), "/admin/tokens", username="nobody-at-all", name="x")
    assert response.status_code == 422
    assert "不存在此用户名的用户" in response.text
    assert 'value="x"' in response.text


def test_the_admin_user_detail_shows_the_role_label(as_user: AsUser, db: Session) -> None:
    person = make_user(db, role=Role.MEDICAL, area="220104")
    page = as_user("admin").get(f"/admin/users/{person.id}")
    assert "医疗机构人员" in page.text
    assert "朝阳区" in page.text
