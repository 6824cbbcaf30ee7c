"""The areas API: scoped lists, one area with counts, changes, leaders, import, error bodies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.queries import get_user_by_username
from fangkong.areas.models import Area, Leader
from fangkong.scope import SYSTEM

API = "/api/v1"


def signed_in(as_user, username: str):  # type: ignore[no-untyped-def]
    """A client signed in as the persona that sends its CSRF token with every call."""
    client = as_user(username)
    client.headers["X-CSRF-Token"] = client.cookies.get("fk_csrf")
    return client


def test_list_is_scoped_and_filtered(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "nanguan")
    page = client.get(f"{API}/areas", params={"level": "street", "size": 500}).json()
    assert page["total"] == len(page["items"]) > 0
    assert all(item["code"].startswith("220102") for item in page["items"])
    assert {item["level"] for item in page["items"]} == {"street"}
    children = client.get(f"{API}/areas", params={"parent": "220102001"}).json()
    assert [item["code"] for item in children["items"]] == ["220102001001", "220102001002"]
    found = client.get(f"{API}/areas", params={"q": "nljd"}).json()
    assert [item["name"] for item in found["items"]] == ["南岭街道"]
    outside = client.get(f"{API}/areas", params={"parent": "220104"}).json()
    assert outside == {"items": [], "total": 0, "page": 1, "size": 50}


def test_one_area_with_counts(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "nanling")
    body = client.get(f"{API}/areas/220102001").json()
    assert body["name"] == "南岭街道"
    assert body["children"] == 2
    assert body["descendants"] == 6
    assert body["by_level"] == {"community": 2, "grid": 4}
    kids = client.get(f"{API}/areas/220102001/children").json()
    assert [item["code"] for item in kids] == ["220102001001", "220102001002"]


def test_outside_scope_is_404_with_the_error_body(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "nanling")
    outside = client.get(f"{API}/areas/220102")
    missing = client.get(f"{API}/areas/220102999")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert set(outside.json()) == {"code", "message", "fields"}
    assert outside.json()["code"] == "not_found"
    assert client.get(f"{API}/areas/220102/children").status_code == 404


def test_anonymous_is_401(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/areas")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_admin_creates_and_updates_areas(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "admin")
    created = client.post(f"{API}/areas", json={
        "code": "220102001003", "name": "接口社区", "level": "community",
        "parent_code": "220102001"})
    assert created.status_code == 201, created.text
    assert created.json()["parent_code"] == "220102001"
    again = client.post(f"{API}/areas", json={
        "code": "220102001003", "name": "重复", "level": "community", "parent_code": "220102001"})
    assert again.status_code == 409
    assert again.json()["code"] == "areas.exists"
    bad = client.post(f"{API}/areas", json={
        "code": "220103001003", "name": "错位", "level": "community", "parent_code": "220102001"})
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"code"}
    patched = client.patch(f"{API}/areas/220102001003", json={"population": 900})
    assert patched.json()["population"] == 900
    assert db.get(Area, "220102001003").population == 900  # type: ignore[union-attr]


def test_commander_cannot_write_areas(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "city")
    response = client.patch(f"{API}/areas/2201", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_leaders_crud_scoped(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "nanguan")
    listed = client.get(f"{API}/leaders", params={"area": "220102001"}).json()
    assert listed["total"] == 2
    assert {item["duty"] for item in listed["items"]} == {"responsible", "secretary"}
    assert client.get(f"{API}/leaders", params={"area": "220104"}).status_code == 404
    everything = client.get(f"{API}/leaders", params={"size": 500}).json()
    assert all(item["area_code"].startswith("220102") for item in everything["items"])
    created = client.post(f"{API}/leaders", json={
        "area_code": "220102001001", "name": "接口领导", "phone": "13100000000"})
    assert created.status_code == 201
    leader_id = created.json()["id"]
    patched = client.patch(f"{API}/leaders/{leader_id}", json={"duty": "secretary"})
    assert patched.json()["duty"] == "secretary"
    assert client.delete(f"{API}/leaders/{leader_id}").status_code == 204
    assert db.get(Leader, leader_id) is None
    refused = client.post(f"{API}/leaders", json={"area_code": "220104", "name": "越界"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "areas.unknown"


def test_leader_of_another_district_is_404(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    other = db.query(Leader).filter(Leader.area_code == "220104").first()
    assert other is not None
    client = signed_in(as_user, "nanguan")
    assert client.patch(f"{API}/leaders/{other.id}", json={"name": "x"}).status_code == 404
    assert client.delete(f"{API}/leaders/{other.id}").status_code == 404


def test_grid_worker_reads_but_does_not_write_leaders(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "grid1")
    assert client.get(f"{API}/leaders").status_code == 200
    response = client.post(f"{API}/leaders", json={
        "area_code": "220102001001001", "name": "某人"})
    assert response.status_code == 403


def test_import_returns_the_report(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "admin")
    content = "区划代码,区划名称,层级\n220102088,接口街道,街道\n220102088001,接口社区,星球\n"
    response = client.post(f"{API}/areas/import",
                           files={"file": ("tree.csv", content.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["added"], body["updated"], body["unchanged"]) == (1, 0, 0)
    (rejected,) = body["rejected"]
    assert rejected["row"] == 3
    assert rejected["reason"] == "Unknown level %(level)s."
    assert rejected["params"] == {"level": "星球"}
    assert "星球" in rejected["message"]
    assert db.get(Area, "220102088") is not None


def test_import_of_an_unreadable_file_is_422(as_user) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(as_user, "admin")
    response = client.post(f"{API}/areas/import",
                           files={"file": ("tree.csv", b"just,one,line\n", "text/csv")})
    assert response.status_code == 422
    assert response.json()["code"] == "tabular.no_header"


def test_openapi_documents_the_routes(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/areas", "/api/v1/areas/{code}", "/api/v1/areas/{code}/children",
                 "/api/v1/leaders", "/api/v1/leaders/{leader_id}", "/api/v1/areas/import"):
        assert path in paths
    assert paths["/api/v1/areas/{code}"]["get"]["tags"] == ["areas"]
    assert "404" in paths["/api/v1/areas/{code}"]["get"]["responses"]


def test_bearer_token_client_needs_no_csrf(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    user = get_user_by_username(db, "nanling")
    assert user is not None
    _token, secret = do_create_token(db, actor=SYSTEM, user=user, name="areas api test")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/areas/220102001", headers=headers).json()["name"] == "南岭街道"
    created = client.post(f"{API}/leaders", headers=headers, json={
        "area_code": "220102001", "name": "令牌领导"})
    assert created.status_code == 201
    assert client.get(f"{API}/areas/220102", headers=headers).status_code == 404
