"""The arrivals pages: staff registration, the public self-registration, the queue."""

from __future__ import annotations

import re

from arrivals_helpers import COMMUNITY1, id_number, wrong_check
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.registration import SELF_LIMIT_PER_HOUR


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Arrival)) or 0


CODE = re.compile(r'class="confirmation">([A-Z0-9]{8})<')


def form(token: str, *people: tuple[str, int, str], **fields: str) -> dict[str, str]:
    data = {"csrf_token": token, "origin_code": "4201 湖北省 武汉市", "transport": "Z62",
            "destination_address": "幸福小区3栋", "reason": "返岗"}
    for index, (name, serial, temperature) in enumerate(people):
        data |= {f"people.{index}.name": name, f"people.{index}.id_type": "resident_id",
                 f"people.{index}.id_number": id_number(serial),
                 f"people.{index}.temperature": temperature}
    data["people.0.phone"] = "138 0013 8000"
    data.update(fields)
    return data


def test_checkpoint_officer_registers_a_family(
    as_user, policy: Session, station: Checkpoint
) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("checkpoint")
    page = client.get("/arrivals/register")
    assert page.status_code == 200
    assert "长春站" in page.text
    assert "龙嘉国际机场" not in page.text  # another district's checkpoint
    token = client.cookies["fk_csrf"]
    done = client.post("/arrivals/register", data=form(
        token, ("张伟", 1, "36.6"), ("李娜", 2, "36.8"), ("张小明", 3, "37.0"),
        checkpoint_id=str(station.id), destination=f"{COMMUNITY1} 南岭街道 幸福社区"),
        follow_redirects=False)
    assert done.status_code == 303, done.text
    assert f"checkpoint={station.id}" in done.headers["location"]
    shown = client.get(done.headers["location"])
    assert len(set(CODE.findall(shown.text))) == 3
    assert "居家隔离" in shown.text
    assert f'value="{station.id}" selected' in shown.text  # stays on the same checkpoint
    rows = policy.scalars(select(Arrival).where(Arrival.transport == "Z62").order_by(
        Arrival.id)).all()
    assert [row.name for row in rows] == ["张伟", "李娜", "张小明"]
    assert rows[0].phone == "13800138000"


def test_a_wrong_row_is_named_and_everything_typed_is_kept(
    as_user, policy: Session, station: Checkpoint
) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("checkpoint")
    data = form(client.cookies.get("fk_csrf") or "", ("张伟", 1, "36.6"), ("李娜", 2, "44"),
                checkpoint_id=str(station.id), destination="220103")
    data["people.1.id_number"] = wrong_check(id_number(2))
    before = count(policy)
    page = client.post("/arrivals/register", data=data)
    assert page.status_code == 422
    assert "同行人员 2" in page.text or "人员 2" in page.text
    assert "34" in page.text
    assert 'value="张伟"' in page.text
    assert 'value="李娜"' in page.text
    assert 'aria-invalid="true" aria-describedby="people-1-id_number-error"' in page.text
    assert count(policy) == before


def test_traveller_self_registers_and_sees_only_their_own(
    client: TestClient, policy: Session, station: Checkpoint
) -> None:
    other = client.get(f"/public/arrive/{station.public_token}")
    assert other.status_code == 200
    assert "长春站" in other.text
    token = client.cookies["fk_csrf"]
    client.post(f"/public/arrive/{station.public_token}", data=form(
        token, ("赵敏", 9, ""), destination="220103 宽城区"), follow_redirects=False)
    done = client.post(f"/public/arrive/{station.public_token}", data=form(
        token, ("王芳", 8, "36.5"), destination="220103 宽城区"), follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert page.status_code == 200
    mine = policy.scalars(select(Arrival).where(Arrival.name == "王芳")).one()
    assert mine.confirmation_code in page.text
    assert "220102********" in page.text
    assert id_number(8) not in page.text
    assert "赵敏" not in page.text  # nothing about anyone else
    assert "13800138000" not in page.text
    client.cookies.set("fk_csrf", "another-browser-" + "x" * 40)
    assert client.get(done.headers["location"]).status_code == 410
    assert client.get("/public/arrive/done?t=forged").status_code == 410
    assert client.get("/public/arrive/not-a-token").status_code == 404


def test_self_registration_limit_answers_429(
    client: TestClient, policy: Session
) -> None:
    client.get("/public/arrive")
    token = client.cookies["fk_csrf"]
    for serial in range(SELF_LIMIT_PER_HOUR):
        client.post("/public/arrive", data=form(token, ("王芳", 100 + serial, ""),
                                                destination="220103"))
    blocked = client.post("/public/arrive", data=form(token, ("王芳", 200, ""),
                                                      destination="220103"))
    assert blocked.status_code == 429
    assert "登记次数过多" in blocked.text


def test_public_pages_answer_4xx_to_junk(client: TestClient, policy: Session) -> None:
    client.get("/public/arrive")
    token = client.cookies["fk_csrf"]
    junk = {"csrf_token": token, "people.0.name": "x" * 500, "people.0.id_number": "%00",
            "origin_code": "'; drop table", "arrived_at": "yesterday", "people.0.temperature":
            "hot", "destination": "99999999999999999999"}
    assert client.post("/public/arrive", data=junk).status_code == 422
    assert client.post("/public/arrive", data={"csrf_token": token}).status_code == 422
    assert client.post("/public/booking", data={"csrf_token": token, "day": "x"}).status_code \
        == 422
    assert client.get("/public/places?q=" + "南" * 41).status_code == 422
    assert client.get("/public/places?q=nl").status_code == 200


def test_queue_contact_and_scope(as_user, policy: Session, station: Checkpoint) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("checkpoint")
    client.post("/arrivals/register", data=form(
        client.cookies["fk_csrf"], ("周杰", 41, "36.6"), checkpoint_id=str(station.id),
        destination=COMMUNITY1), follow_redirects=False)
    arrival = policy.scalars(select(Arrival).where(Arrival.name == "周杰")).one()
    client = as_user("grid1")  # a grid of that community
    queue = client.get("/arrivals/queue")
    assert "周杰" in queue.text
    detail = client.get(f"/arrivals/{arrival.id}")
    assert "13800138000" in detail.text  # a grid worker may identify
    done = client.post(f"/arrivals/{arrival.id}/contact", data={
        "csrf_token": client.cookies["fk_csrf"], "note": "电话已联系"}, follow_redirects=False)
    assert done.status_code == 303
    assert arrival.status == "contacted"
    client = as_user("grid2")  # another district
    assert client.get(f"/arrivals/{arrival.id}").status_code == 404
    assert "周杰" not in client.get("/arrivals/queue").text
    client = as_user("checkpoint")
    assert client.get(f"/arrivals/{arrival.id}").status_code == 200
    assert "13800138000" not in client.get(f"/arrivals/{arrival.id}").text


def test_key_areas_rules_and_checkpoint_pages(
    as_user, policy: Session, station: Checkpoint
) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("city")
    page = client.get("/arrivals/key-areas")
    assert "湖北省" in page.text
    added = client.post("/arrivals/key-areas", data={
        "csrf_token": client.cookies["fk_csrf"], "division_code": "4211 湖北省 黄冈市",
        "risk_level": "high", "valid_from": "2020-01-25"}, follow_redirects=False)
    assert added.status_code == 303
    assert client.get("/arrivals/rules").status_code == 403
    qr = client.get(f"/arrivals/checkpoints/{station.id}/qr")
    assert "<svg" in qr.text
    assert f"/public/arrive/{station.public_token}" in qr.text
    assert "<svg" in client.get("/arrivals/qr").text
    created = client.post("/arrivals/checkpoints/new", data={
        "csrf_token": client.cookies["fk_csrf"], "name": "长春北站", "kind": "railway",
        "area_code": "220103", "active": "on"}, follow_redirects=False)
    assert created.status_code == 303
    admin: TestClient = as_user("admin")
    saved = admin.post("/arrivals/rules", data={
        "csrf_token": admin.cookies["fk_csrf"], "high.within_days": "21",
        "high.action": "centralised_quarantine", "high.duration_days": "14",
        "high.requires_test": "on", "medium.within_days": "14",
        "medium.action": "health_monitoring", "medium.duration_days": "14",
        "low.within_days": "99", "low.action": "none", "low.duration_days": "0"})
    assert saved.status_code == 422
    assert 'name="low.within_days"' in saved.text


def test_api_register_list_and_divisions(as_user, policy: Session, station: Checkpoint) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("checkpoint")
    headers = {"X-CSRF-Token": client.cookies["fk_csrf"]}
    body = {"checkpoint_id": station.id, "origin_code": "42", "district_code": "220103",
            "people": [{"name": "张伟", "id_number": id_number(1), "phone": "13800138000",
                        "temperature": 36.6},
                       {"name": "李娜", "id_number": wrong_check(id_number(2)),
                        "temperature": 36.6}]}
    bad = client.post("/api/v1/arrivals", json=body, headers=headers)
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"people.1.id_number"}
    body["people"][1]["id_number"] = id_number(2)
    made = client.post("/api/v1/arrivals", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert [row["rule_action"] for row in made.json()["arrivals"]] == ["home_quarantine"] * 2
    listed = client.get("/api/v1/arrivals?q=李娜").json()
    assert listed["total"] >= 1
    assert listed["items"][0]["id_number"].startswith("220102****")
    found = client.get("/api/v1/divisions?q=whs").json()
    assert any(item["code"] == "4201" for item in found)
    options = client.get("/api/v1/divisions?q=温州", headers={"HX-Request": "true"})
    assert '<option value="3303 浙江省 温州市">' in options.text
    assert client.get("/api/v1/arrivals/99999999999999999999").status_code == 422
    assert client.get("/api/v1/checkpoints/2147483648").status_code == 422
