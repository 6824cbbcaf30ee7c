"""The accounts JSON API, called as a machine client (bearer token) and as a signed-in browser."""

from __future__ import annotations

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
from sqlalchemy.orm import Session

from conftest import csrf_of, login
from fangkong.accounts.actions import do_create_token
from fangkong.accounts.models import ApiToken
from fangkong.accounts.security import TOKEN_PREFIX, verify_password
from fangkong.permissions import Role

API = "/api/v1"


def bearer(db: Session, username: str) -> dict[str, str]:
    """The Authorization header of a new API token acting as the user."""
    _row, secret = do_create_token(db, actor=actor(db, "admin"), user=user(db, username),
                                   name="api test")
    db.commit()  # out of reach of a failing request's rollback
    return {"Authorization": f"Bearer {secret}"}


def test_me_tells_who_and_what(client: TestClient, db: Session) -> None:
    me = client.get(f"{API}/me", headers=bearer(db, "nanguan")).json()
    assert (me["username"], me["role"], me["area_code"]) == ("nanguan", "commander", "220102")
    assert "audit:read" in me["permissions"]
    assert "user:read" not in me["permissions"]
    assert me["must_change_password"] is False
    assert "password_hash" not in me


def test_without_credentials_the_api_answers_401(client: TestClient) -> None:
    response = client.get(f"{API}/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    bad = client.get(f"{API}/me", headers={"Authorization": "Bearer fk_nonsense"})
    assert bad.status_code == 401


def test_list_users_with_filters_and_pages(client: TestClient, db: Session) -> None:
    headers = bearer(db, "admin")
    everyone = client.get(f"{API}/users", params={"role": "commander", "size": 500},
                          headers=headers).json()
    names = [item["username"] for item in everyone["items"]]
    assert {"city", "nanguan", "nanling"} <= set(names)
    assert names == sorted(names)
    assert {item["role"] for item in everyone["items"]} == {"commander"}
    first = client.get(f"{API}/users", params={"role": "commander", "size": 2},
                       headers=headers).json()
    second = client.get(f"{API}/users", params={"role": "commander", "size": 2, "page": 2},
                        headers=headers).json()
    assert first["total"] == second["total"] == len(names)
    assert [item["username"] for item in first["items"] + second["items"]] == names[:4]
    area = client.get(f"{API}/users", params={"area": "220104", "q": "GRID"},
                      headers=headers).json()
    assert [item["username"] for item in area["items"]] == ["grid2"]


def test_commanders_may_not_read_users(client: TestClient, db: Session) -> None:
    headers = bearer(db, "nanguan")
    grid1 = user(db, "grid1")
    for path in ("/users", f"/users/{grid1.id}", "/tokens"):
        response = client.get(API + path, headers=headers)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"


def test_create_read_and_update_a_user(client: TestClient, db: Session) -> None:
    headers = bearer(db, "admin")
    name = unique("api")
    body = {"username": name, "display_name": "接口用户", "role": "medical",
            "area_code": "220104", "phone": "", "password": PASSWORD}
    created = client.post(f"{API}/users", json=body, headers=headers)
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert "password" not in created.json()
    assert client.get(f"{API}/users/{user_id}", headers=headers).json()["username"] == name
    patched = client.patch(f"{API}/users/{user_id}", json={"role": "commander"},
                           headers=headers)
    assert patched.json()["role"] == "commander"
    assert patched.json()["display_name"] == "接口用户"
    [update] = audit_entries(db, action="update", record_id=str(user_id))
    assert update.detail == {"role": ["medical", "commander"]}


def test_create_refuses_a_taken_username_and_a_weak_password(
    client: TestClient, db: Session
) -> None:
    headers = bearer(db, "admin")
    body = {"username": "grid1", "display_name": "x", "role": "grid_worker",
            "area_code": "220104", "password": PASSWORD}
    taken = client.post(f"{API}/users", json=body, headers=headers)
    assert taken.status_code == 409
    assert taken.json()["code"] == "accounts.username_taken"
    assert taken.json()["fields"] == {"username": "此用户名已被占用。"}
    weak = client.post(f"{API}/users", json={**body, "username": unique("w"),
                                              "password": "abc"}, headers=headers)
    assert weak.status_code == 422
    assert "password" in weak.json()["fields"]


def test_update_refuses_an_unknown_area_and_a_missing_user(
    client: TestClient, db: Session
) -> None:
    headers = bearer(db, "admin")
    person = make_user(db)
    db.commit()  # out of reach of a failing request's rollback
    bad = client.patch(f"{API}/users/{person.id}", json={"area_code": "990000"},
                       headers=headers)
    assert bad.status_code == 422
    assert "area_code" in bad.json()["fields"]
    assert person.area_code == "220102001001001"
    assert client.get(f"{API}/users/987654", headers=headers).status_code == 404


def test_disable_enable_and_reset_a_user(app: FastAPI, client: TestClient, db: Session) -> None:
    headers = bearer(db, "admin")
    person = make_user(db)
    db.commit()  # out of reach of a failing request's rollback
    disabled = client.post(f"{API}/users/{person.id}/disable", headers=headers)
    assert disabled.json()["is_active"] is False
    enabled = client.post(f"{API}/users/{person.id}/enable", headers=headers)
    assert enabled.json()["is_active"] is True
    reset = client.post(f"{API}/users/{person.id}/password", headers=headers).json()
    assert reset["username"] == person.username
    assert verify_password(person.password_hash, reset["temporary_password"])
    assert person.must_change_password
    with browser(app) as theirs:
        login(theirs, person.username, reset["temporary_password"])
        assert theirs.get(f"{API}/me").json()["must_change_password"] is True


def test_an_admin_cannot_disable_themself_through_the_api(
    client: TestClient, db: Session
) -> None:
    response = client.post(f"{API}/users/{user(db, 'admin').id}/disable",
                           headers=bearer(db, "admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "accounts.disable_self"


def test_change_my_password_from_a_browser(client: TestClient, db: Session) -> None:
    person = make_user(db)
    login(client, person.username, PASSWORD)
    headers = {"X-CSRF-Token": csrf_of(client)}
    body = {"current_password": PASSWORD, "new_password": "Winter2020qrs"}
    assert client.post(f"{API}/me/password", json=body).status_code == 403  # no CSRF header
    assert client.post(f"{API}/me/password", json=body, headers=headers).status_code == 204
    assert verify_password(person.password_hash, "Winter2020qrs")
    weak = client.post(f"{API}/me/password", headers=headers,
                       json={"current_password": "Winter2020qrs", "new_password": "short"})
    assert weak.status_code == 422
    assert weak.json()["fields"]["new_password"] == "密码至少需要 10 个字符。"


def test_tokens_through_the_api(client: TestClient, db: Session) -> None:
    headers = bearer(db, "admin")
    person = make_user(db, role=Role.CHECKPOINT, area="220103")
    db.commit()  # out of reach of a failing request's rollback
    created = client.post(f"{API}/tokens", headers=headers,
                          json={"user_id": person.id, "name": "gate", "expires_days": 7})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith(TOKEN_PREFIX)
    assert secret.startswith(created.json()["prefix"])
    listed = client.get(f"{API}/tokens", headers=headers).json()
    assert created.json()["id"] in [item["id"] for item in listed["items"]]
    assert all("token" not in item for item in listed["items"])
    machine = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/me", headers=machine).json()["username"] == person.username
    revoked = client.delete(f"{API}/tokens/{created.json()['id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    assert client.get(f"{API}/me", headers=machine).status_code == 401
    missing = client.post(f"{API}/tokens", headers=headers,
                          json={"user_id": 987654, "name": "ghost"})
    assert missing.status_code == 404
    assert client.delete(f"{API}/tokens/987654", headers=headers).status_code == 404


def test_the_audit_log_through_the_api(as_user: AsUser, db: Session) -> None:
    client = as_user("nanguan")
    page = client.get(f"{API}/audit", params={"action": "login", "actor": "nanguan"}).json()
    assert page["total"] >= 1
    assert {item["area_code"] for item in page["items"]} == {"220102"}
    everything = client.get(f"{API}/audit", params={"size": 500}).json()
    assert all(item["area_code"].startswith("220102") for item in everything["items"])
    grid = as_user("grid1").get(f"{API}/audit")
    assert grid.status_code == 403
    bad = as_user("admin").get(f"{API}/audit", params={"action": "dance"})
    assert bad.status_code == 422


def test_the_openapi_document_describes_the_accounts_routes(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    route = document["paths"]["/api/v1/users/{user_id}"]["get"]
    assert route["tags"] == ["accounts"]
    assert {"401", "403", "404"} <= set(route["responses"])
    ref = route["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    error = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(error["properties"]) == {"code", "message", "fields"}
    assert "/api/v1/tokens/{token_id}" in document["paths"]
    assert "/api/v1/me/password" in document["paths"]


def test_a_token_row_never_holds_the_secret(client: TestClient, db: Session) -> None:
    row, secret = do_create_token(db, actor=actor(db, "admin"), user=user(db, "grid1"),
                                  name="stored", expires_days=None)
    stored = db.get(ApiToken, row.id)
    assert stored is not None
    assert secret not in (stored.token_hash, stored.prefix, stored.name)
    assert stored.expires_at is None
