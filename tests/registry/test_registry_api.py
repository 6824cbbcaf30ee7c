"""The registry API: masked lists, audited reveals, scope as 404, moves, merges, totals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from registry_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    csrf_headers,
    make_household,
    make_person,
    resident_id,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry

AsUser = Callable[[str], TestClient]
API = "/api/v1"


def test_list_is_masked_and_scoped(db: Session, as_user: AsUser) -> None:
    number = resident_id(date(1985, 10, 1), 13)
    make_person(db, make_household(db), name="韩梅梅", id_number=number, phone="13812345678")
    make_person(db, make_household(db, GRID2, "解放大路9号"), name="李雷")
    client = as_user("grid1")
    body = client.get(f"{API}/persons").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["name"] == "韩梅梅"
    assert item["id_number"] == number[:6] + "********" + number[-4:]
    assert item["phone"] == "138****5678"
    assert item["revealed"] is False
    assert client.get(f"{API}/persons", params={"q": number}).json()["total"] == 1
    assert client.get(f"{API}/persons", params={"q": "李雷"}).json()["total"] == 0


def test_create_person_and_duplicate_id(db: Session, as_user: AsUser) -> None:
    household = make_household(db)
    number = resident_id(date(1990, 1, 1), 21)
    client = as_user("grid1")
    created = client.post(f"{API}/persons", headers=csrf_headers(client), json={
        "household_id": household.id, "name": "马丽", "id_number": number,
        "relation": "head", "tags": ["chronic"]})
    assert created.status_code == 201, created.text
    assert created.json()["birth_date"] == "1990-01-01"
    assert created.json()["sex"] == "male"
    assert created.json()["tags"] == ["chronic"]
    again = client.post(f"{API}/persons", headers=csrf_headers(client), json={
        "household_id": household.id, "name": "马丽", "id_number": number})
    assert again.status_code == 409
    assert again.json()["code"] == "registry.duplicate_id"
    assert "马丽" in again.json()["message"]
    assert "id_number" in again.json()["fields"]
    other = as_user("grid2")
    grid2_home = make_household(db, GRID2, "解放大路9号")
    elsewhere = other.post(f"{API}/persons", headers=csrf_headers(other), json={
        "household_id": grid2_home.id, "name": "马丽", "id_number": number})
    assert elsewhere.status_code == 409
    assert "马丽" not in elsewhere.text
    assert household.address not in elsewhere.text


def test_bad_fields_are_named(as_user: AsUser) -> None:
    client = as_user("grid1")
    response = client.post(f"{API}/persons", headers=csrf_headers(client), json={
        "area_code": GRID1, "name": "王五", "id_number": "220102199001010000",
        "phone": "0431"})
    assert response.status_code == 422
    assert {"id_number", "phone"} <= set(response.json()["fields"])


def test_reveal_is_audited_and_roles_without_read_get_403(
    db: Session, as_user: AsUser
) -> None:
    number = resident_id(date(1966, 6, 6), 45)
    person = make_person(db, make_household(db, GRID2, "解放大路9号"), id_number=number,
                         phone="13600001111")
    hospital = as_user("hospital")
    masked = hospital.get(f"{API}/persons/{person.id}")
    assert masked.status_code == 200
    assert masked.json()["id_number"] != number
    assert masked.json()["phone"] == "136****1111"
    grid2 = as_user("grid2")
    full = grid2.get(f"{API}/persons/{person.id}", params={"reveal": "true"}).json()
    assert full["id_number"] == number
    assert full["phone"] == "13600001111"
    assert full["revealed"] is True
    views = list(db.scalars(select(AuditEntry).where(
        AuditEntry.action == "view", AuditEntry.resource == "person",
        AuditEntry.record_id == str(person.id)).order_by(AuditEntry.id)))
    assert [(v.actor_name, v.detail["revealed"]) for v in views] == [
        ("hospital", False), ("grid2", True)]
    assert views[-1].area_code == GRID2
    checkpoint = as_user("checkpoint")
    assert checkpoint.get(f"{API}/persons/{person.id}").status_code == 403
    assert checkpoint.get(f"{API}/persons").status_code == 403


def test_outside_the_grid_answers_404(db: Session, as_user: AsUser) -> None:
    household = make_household(db, GRID2, "解放大路9号")
    person = make_person(db, household)
    client = as_user("grid1")
    h = csrf_headers(client)
    assert client.get(f"{API}/persons/{person.id}").status_code == 404
    assert client.patch(f"{API}/persons/{person.id}", headers=h,
                        json={"name": "x"}).status_code == 404
    assert client.post(f"{API}/persons/{person.id}/move", headers=h,
                       json={"household_id": household.id}).status_code == 404
    assert client.get(f"{API}/households/{household.id}").status_code == 404
    assert client.get(f"{API}/households/{household.id}/members").status_code == 404
    assert client.patch(f"{API}/households/{household.id}", headers=h,
                        json={"address": "x"}).status_code == 404
    assert client.get(f"{API}/persons/999999999").status_code == 404


def test_move_and_merge_through_the_api(db: Session, as_user: AsUser) -> None:
    home = make_household(db)
    there = make_household(db, GRID1_NEIGHBOUR, "自由大路3号")
    person = make_person(db, home, name="郑好", phone="13700001111", birth_date="1950-01-01")
    twin = make_person(db, there, name="郑好", phone="13700001111", birth_date="1950-01-01")
    client = as_user("nanling")
    duplicates = client.get(f"{API}/persons/duplicates").json()
    assert [[p["id"] for p in g["persons"]] for g in duplicates] == [[person.id, twin.id]]
    assert duplicates[0]["persons"][0]["phone"] == "137****1111"
    moved = client.post(f"{API}/persons/{person.id}/move", headers=csrf_headers(client),
                        json={"household_id": there.id, "relation": "parent"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["area_code"] == GRID1_NEIGHBOUR
    merged = client.post(f"{API}/persons/{person.id}/merge", headers=csrf_headers(client),
                         json={"duplicate_id": twin.id})
    assert merged.status_code == 200, merged.text
    db.refresh(twin)
    assert (twin.status, twin.merged_into_id) == ("merged", person.id)
    members = client.get(f"{API}/households/{there.id}/members").json()
    assert [(m["id"], m["status"]) for m in members] == [(person.id, "active"),
                                                         (twin.id, "merged")]


def test_medical_cannot_write(db: Session, as_user: AsUser) -> None:
    household = make_household(db, GRID2, "解放大路9号")
    client = as_user("hospital")
    response = client.post(f"{API}/persons", headers=csrf_headers(client), json={
        "household_id": household.id, "name": "x"})
    assert response.status_code == 403


def test_households_api(as_user: AsUser) -> None:
    client = as_user("grid1")
    created = client.post(f"{API}/households", headers=csrf_headers(client), json={
        "area_code": GRID1, "address": "西安大路7号", "phone": "13911112222"})
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "139****2222"
    household_id = created.json()["id"]
    outside = client.post(f"{API}/households", headers=csrf_headers(client), json={
        "area_code": GRID2, "address": "x"})
    assert outside.status_code == 422
    patched = client.patch(f"{API}/households/{household_id}", headers=csrf_headers(client),
                           json={"address": "西安大路8号"})
    assert patched.json()["address"] == "西安大路8号"
    listed = client.get(f"{API}/households", params={"q": "西安"}).json()
    assert [row["id"] for row in listed["items"]] == [household_id]
    full = client.get(f"{API}/households/{household_id}", params={"reveal": "true"}).json()
    assert full["phone"] == "13911112222"


def test_totals_equal_the_sum_of_their_rows(db: Session, as_user: AsUser) -> None:
    make_person(db, make_household(db), tags=["disabled"])
    make_person(db, make_household(db, GRID1_NEIGHBOUR, "自由大路3号"))
    make_person(db, make_household(db, GRID2, "解放大路9号"))
    city = as_user("city").get(f"{API}/registry/totals").json()
    assert city["level"] == "district"
    assert city["total"]["persons"] == sum(row["persons"] for row in city["rows"]) == 3
    assert city["total"]["tags"] == {"disabled": 1}
    nanguan = {row["area_code"]: row for row in city["rows"]}["220102"]
    assert nanguan["name"] == "南关区"
    grid = as_user("grid1").get(f"{API}/registry/totals").json()
    assert grid["level"] is None
    assert [(row["area_code"], row["persons"]) for row in grid["rows"]] == [(GRID1, 1)]
    assert as_user("grid1").get(f"{API}/registry/totals",
                                params={"area": "2201"}).status_code == 404
