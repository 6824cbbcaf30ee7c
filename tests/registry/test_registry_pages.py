"""The registry pages: masked lists, forms that keep input and name errors, audited views and
reveals, moves, merges with confirmation, households, and 404 outside the grid."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from registry_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    make_household,
    make_person,
    resident_id,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.areas.models import Leader
from fangkong.registry.models import Household, Person

AsUser = Callable[[str], TestClient]


def post(client: TestClient, url: str, data: dict[str, object]) -> object:
    token = client.cookies.get("fk_csrf")
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def views_of(db: Session, resource: str, record_id: int) -> list[bool]:
    entries = db.scalars(select(AuditEntry).where(
        AuditEntry.action == "view", AuditEntry.resource == resource,
        AuditEntry.record_id == str(record_id)).order_by(AuditEntry.id))
    return [bool(entry.detail["revealed"]) for entry in entries]


def test_person_list_is_masked_and_filters(db: Session, as_user: AsUser) -> None:
    number = resident_id(date(1950, 3, 3), 91)
    make_person(db, make_household(db), name="孙悟空", id_number=number, phone="13912340000",
                tags=["elderly_alone"])
    make_person(db, name="猪八戒")
    client = as_user("grid1")
    page = client.get("/registry/persons")
    assert page.status_code == 200
    assert "孙悟空" in page.text
    assert "猪八戒" in page.text
    assert number not in page.text
    assert "139****0000" in page.text
    assert "13912340000" not in page.text
    filtered = client.get("/registry/persons", params={"tag": "elderly_alone"})
    assert "孙悟空" in filtered.text
    assert "猪八戒" not in filtered.text
    bad = client.get("/registry/persons", params={"area": "x"})
    assert bad.status_code == 200
    assert 'aria-invalid="true"' in bad.text
    assert as_user("checkpoint").get("/registry/persons").status_code == 403


def test_new_person_form_keeps_input_and_names_errors(db: Session, as_user: AsUser) -> None:
    household = make_household(db)
    client = as_user("grid1")
    form = client.get(f"/registry/persons/new?household_id={household.id}")
    assert form.status_code == 200
    assert household.address in form.text
    response = post(client, "/registry/persons/new", {
        "household_id": household.id, "name": "唐僧", "id_number": "220102195603091230",
        "phone": "12345", "occupation": "法师"})
    assert response.status_code == 422
    text = response.text
    assert 'value="唐僧"' in text
    assert 'value="法师"' in text
    assert text.count('class="field-error"') >= 2
    number = resident_id(date(1956, 3, 9), 123)
    created = post(client, "/registry/persons/new", {
        "household_id": household.id, "name": "唐僧", "id_number": number,
        "relation": "head", "tags": ["chronic", "disabled"]})
    assert created.status_code == 303
    person = db.scalar(select(Person).where(Person.id_number == number))
    assert person is not None
    assert created.headers["location"] == f"/registry/persons/{person.id}?done=created"
    again = post(client, "/registry/persons/new", {
        "household_id": household.id, "name": "唐僧", "id_number": number})
    assert again.status_code == 409
    assert f'href="/registry/persons/{person.id}"' in again.text


def test_duplicate_outside_the_scope_reveals_nothing(db: Session, as_user: AsUser) -> None:
    number = resident_id(date(1988, 8, 8), 17)
    existing = make_person(db, make_household(db, GRID2, "解放大路9号"), name="沙和尚",
                           id_number=number)
    client = as_user("grid1")
    response = post(client, "/registry/persons/new", {
        "area_code": GRID1, "name": "沙悟净", "id_number": number})
    assert response.status_code == 409
    assert "沙和尚" not in response.text
    assert "解放大路9号" not in response.text
    assert f"/registry/persons/{existing.id}" not in response.text


def test_person_page_is_audited_and_reveal_shows_the_full_values(
    db: Session, as_user: AsUser
) -> None:
    number = resident_id(date(1970, 1, 1), 33)
    person = make_person(db, make_household(db), id_number=number, phone="13511112222")
    client = as_user("grid1")
    page = client.get(f"/registry/persons/{person.id}")
    assert page.status_code == 200
    assert number not in page.text
    assert "13511112222" not in page.text
    assert f"/registry/persons/{person.id}/reveal" in page.text
    revealed = post(client, f"/registry/persons/{person.id}/reveal", {})
    assert revealed.status_code == 200  # type: ignore[attr-defined]
    assert number in revealed.text  # type: ignore[attr-defined]
    assert "13511112222" in revealed.text  # type: ignore[attr-defined]
    assert views_of(db, "person", person.id) == [False, True]


def test_edit_keeps_what_the_form_does_not_carry(db: Session, as_user: AsUser) -> None:
    number = resident_id(date(1970, 1, 1), 35)
    person = make_person(db, name="白龙马", id_number=number, phone="13511112222",
                         tags=["chronic"])
    client = as_user("grid1")
    saved = post(client, f"/registry/persons/{person.id}", {
        "name": "白龙马", "relation": "other", "sex": "male", "birth_date": "1970-01-01",
        "residence": "registered", "occupation": "驿站", "notes": "", "tags": ["disabled"]})
    assert saved.status_code == 303  # type: ignore[attr-defined]
    db.refresh(person)
    assert (person.id_number, person.phone) == (number, "13511112222")
    assert (person.occupation, person.residence) == ("驿站", "registered")
    failed = post(client, f"/registry/persons/{person.id}", {
        "name": "白龙马", "id_type": "resident_id", "id_number": number, "phone": "123",
        "relation": "other", "residence": "registered"})
    assert failed.status_code == 422  # type: ignore[attr-defined]
    assert 'value="123"' in failed.text  # type: ignore[attr-defined]
    assert "<details class=\"card\" open>" in failed.text  # type: ignore[attr-defined]


def test_move_by_household_code_and_status(db: Session, as_user: AsUser) -> None:
    home = make_household(db)
    there = make_household(db, GRID1_NEIGHBOUR, "自由大路3号")
    person = make_person(db, home)
    client = as_user("nanling")
    wrong = post(client, f"/registry/persons/{person.id}/move", {"household_code": "nope"})
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    moved = post(client, f"/registry/persons/{person.id}/move", {
        "household_code": there.code, "relation": "child", "reason": "结婚"})
    assert moved.status_code == 303  # type: ignore[attr-defined]
    db.refresh(person)
    assert (person.household_id, person.relation) == (there.id, "child")
    page = client.get(f"/registry/persons/{person.id}")
    assert "结婚" in page.text
    assert home.address in page.text
    gone = post(client, f"/registry/persons/{person.id}/status", {"status": "moved_out"})
    assert gone.status_code == 303  # type: ignore[attr-defined]
    db.refresh(person)
    assert person.status == "moved_out"


def test_merge_asks_for_confirmation(db: Session, as_user: AsUser) -> None:
    kept = make_person(db, name="观音", phone="13700002222", birth_date="1940-04-04")
    twin = make_person(db, name="观音", phone="13700002222", birth_date="1940-04-04",
                       occupation="菩萨")
    client = as_user("grid1")
    listing = client.get("/registry/duplicates")
    assert f"/registry/persons/{kept.id}/merge?duplicate_id={twin.id}" in listing.text
    confirm = client.get(f"/registry/persons/{kept.id}/merge",
                         params={"duplicate_id": twin.id})
    assert confirm.status_code == 200
    assert "13700002222" not in confirm.text
    assert 'name="duplicate_id"' in confirm.text
    done = post(client, f"/registry/persons/{kept.id}/merge", {"duplicate_id": twin.id})
    assert done.status_code == 303  # type: ignore[attr-defined]
    db.refresh(twin)
    db.refresh(kept)
    assert (twin.status, kept.occupation) == ("merged", "菩萨")
    assert "观音" not in client.get("/registry/duplicates").text
    again = post(client, f"/registry/persons/{kept.id}/merge", {"duplicate_id": twin.id})
    assert again.status_code == 409  # type: ignore[attr-defined]


def test_household_pages(db: Session, as_user: AsUser) -> None:
    client = as_user("grid1")
    form = client.get("/registry/households/new")
    assert form.status_code == 200
    assert GRID1 in form.text
    assert GRID2 not in form.text
    missing = post(client, "/registry/households/new", {"area_code": GRID1, "address": "",
                                                        "kind": "family"})
    assert missing.status_code == 422  # type: ignore[attr-defined]
    created = post(client, "/registry/households/new", {
        "area_code": GRID1, "address": "重庆路1号", "kind": "family", "phone": "13600001111"})
    assert created.status_code == 303  # type: ignore[attr-defined]
    household = db.scalar(select(Household).where(Household.address == "重庆路1号"))
    assert household is not None
    page = client.get(f"/registry/households/{household.id}")
    assert "136****1111" in page.text
    assert "13600001111" not in page.text
    assert f"/registry/persons/new?household_id={household.id}" in page.text
    assert views_of(db, "household", household.id) == [False]
    saved = post(client, f"/registry/households/{household.id}", {
        "address": "重庆路2号", "kind": "collective", "head_name": "", "phone": "",
        "notes": ""})
    assert saved.status_code == 303  # type: ignore[attr-defined]
    db.refresh(household)
    assert (household.address, household.kind, household.phone) == (
        "重庆路2号", "collective", "13600001111")
    listing = client.get("/registry/households", params={"q": "重庆"})
    assert "重庆路2号" in listing.text
    assert "南岭街道" in listing.text or "第1网格" in listing.text


def test_outside_the_grid_pages_answer_404(db: Session, as_user: AsUser) -> None:
    household = make_household(db, GRID2, "解放大路9号")
    person = make_person(db, household, name="牛魔王")
    client = as_user("grid1")
    for url in (f"/registry/persons/{person.id}", f"/registry/households/{household.id}",
                f"/registry/persons/{person.id}/merge?duplicate_id={person.id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "牛魔王" not in response.text
    for url, data in ((f"/registry/persons/{person.id}", {"name": "x"}),
                      (f"/registry/persons/{person.id}/reveal", {}),
                      (f"/registry/persons/{person.id}/move", {"household_code": "x"}),
                      (f"/registry/households/{household.id}", {"address": "x"})):
        assert post(client, url, data).status_code == 404, url  # type: ignore[attr-defined]
    db.refresh(person)
    assert person.name == "牛魔王"


def test_lists_show_the_areas_figures_and_leaders(db: Session, as_user: AsUser) -> None:
    make_person(db, make_household(db), tags=["infant"])
    make_person(db, make_household(db, GRID1_NEIGHBOUR, "自由大路3号"), tags=["infant"])
    leader = db.scalar(select(Leader).where(Leader.area_code == "220102001"))
    assert leader is not None
    page = as_user("nanling").get("/registry/persons")
    assert "南岭街道" in page.text
    assert leader.name in page.text
    figures = re.findall(r'<div class="value">(\d+)</div><div class="label">([^<]+)</div>',
                         page.text)
    assert ("2", "婴幼儿") in figures
    community = db.scalar(select(Leader).where(Leader.area_code == GRID1[:12]))
    assert community is not None
    assert community.name in as_user("grid1").get("/registry/households").text
