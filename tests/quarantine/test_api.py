"""The quarantine API through its HTTP client with bearer tokens: start, checks (fever alert,
bad temperatures), alerts and acknowledgement, sites and a full site, life support, release,
figures, and 404 outside the caller's area."""

from __future__ import annotations

from fastapi.testclient import TestClient
from quarantine_helpers import GRID1, at_local, days_ago, make_person, members_of, today
from quarantine_helpers import quarantine as start
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.queries import get_user_by_username
from fangkong.quarantine.models import HealthCheck, Quarantine, Site
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM

API = "/api/v1/quarantine"


def bearer(db: Session, username: str) -> dict[str, str]:
    user = get_user_by_username(db, username)
    assert user is not None
    _token, secret = do_create_token(db, actor=SYSTEM, user=user, name=f"隔离测试-{username}")
    db.commit()  # the set-up so far survives a request that fails and rolls back
    return {"Authorization": f"Bearer {secret}"}


def checks_of(db: Session, quarantine_id: int) -> int:
    return db.scalar(select(func.count()).select_from(HealthCheck).where(
        HealthCheck.quarantine_id == quarantine_id)) or 0


def test_a_grid_worker_starts_a_family_quarantine_in_one_room(
    client: TestClient, db: Session, household: Household, site: Site
) -> None:
    head, other = members_of(db, household)
    answer = client.post(API, headers=bearer(db, "grid1"), json={
        "person_id": head.id, "together_with": [other.id], "kind": "centralised",
        "starts_on": today().isoformat(), "site_id": site.id, "note": "密接，集中隔离"})
    assert answer.status_code == 201, answer.text
    rows = answer.json()
    assert [row["person_name"] for row in rows] == ["张伟", "李娜"]
    assert rows[0]["room_number"] == rows[1]["room_number"] == "201"
    assert rows[0]["ordered_by_name"] == "网格员一"
    assert rows[0]["id_number"] is None  # none registered
    again = client.post(API, headers=bearer(db, "grid1"), json={
        "person_id": head.id, "kind": "home", "starts_on": today().isoformat()})
    assert again.status_code == 409
    assert again.json()["code"] == "quarantine.already_active"


def test_a_full_site_answers_409_with_suggestions(
    client: TestClient, db: Session, site: Site
) -> None:
    headers = bearer(db, "nanguan")
    tiny = client.post(f"{API}/sites", headers=headers,
                       json={"name": "小旅馆", "area_code": "220102001", "kind": "hotel"})
    assert tiny.status_code == 201
    tiny_id = tiny.json()["id"]
    added = client.post(f"{API}/sites/{tiny_id}/rooms", headers=headers,
                        json={"numbers": "1", "capacity": 1})
    assert [room["number"] for room in added.json()] == ["1"]
    first = make_person(db, name="甲")
    second = make_person(db, name="乙")
    body = {"kind": "centralised", "starts_on": today().isoformat(), "site_id": tiny_id}
    assert client.post(API, headers=headers, json={**body, "person_id": first.id}).status_code \
        == 201
    full = client.post(API, headers=headers, json={**body, "person_id": second.id})
    assert full.status_code == 409
    assert full.json()["code"] == "quarantine.site_full"
    assert site.name in full.json()["message"]
    listing = client.get(f"{API}/sites", headers=headers).json()
    tiny_read = next(item for item in listing if item["id"] == tiny_id)
    assert tiny_read["occupancy"] == {"rooms": 1, "beds": 1, "occupied": 1, "free": 0}


def test_checks_through_the_api_with_a_fever_alert_and_its_acknowledgement(
    client: TestClient, db: Session, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    headers = bearer(db, "grid1")
    normal = client.post(f"{API}/{row.id}/checks", headers=headers,
                         json={"temperature": 36.6, "symptoms": []})
    assert normal.status_code == 201, normal.text
    assert normal.json()["alert"] is None
    fever = client.post(f"{API}/{row.id}/checks", headers=headers,
                        json={"temperature": "38.2", "symptoms": ["cough"]})
    assert fever.json()["alert"] == "fever"
    alerts = client.get(f"{API}/alerts", headers=headers).json()["items"]
    mine = [alert for alert in alerts if alert["quarantine_id"] == row.id]
    assert [alert["kind"] for alert in mine] == ["fever"]
    upper = client.get(f"{API}/alerts", headers=bearer(db, "nanguan")).json()["items"]
    assert mine[0]["id"] in {alert["id"] for alert in upper}  # up the chain
    assert not [alert for alert in client.get(f"{API}/alerts", headers=bearer(db, "grid2"))
                .json()["items"] if alert["quarantine_id"] == row.id]
    ack = client.post(f"{API}/alerts/{mine[0]['id']}/ack", headers=headers,
                      json={"action_taken": "已联系120，转发热门诊"})
    assert ack.json()["status"] == "acknowledged"
    listed = client.get(f"{API}/{row.id}/checks", headers=headers).json()
    assert [item["alert"] for item in listed] == ["fever", None]


def test_bad_temperatures_are_refused_and_nothing_is_stored(
    client: TestClient, db: Session, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    headers = bearer(db, "grid1")
    for value in (33.9, 43.5, "hot", None):
        answer = client.post(f"{API}/{row.id}/checks", headers=headers,
                             json={"temperature": value, "symptoms": []})
        assert answer.status_code == 422, value
        assert "temperature" in answer.json()["fields"]
    bad_symptom = client.post(f"{API}/{row.id}/checks", headers=headers,
                              json={"temperature": 36.5, "symptoms": ["zombie"]})
    assert bad_symptom.status_code == 422
    assert checks_of(db, row.id) == 0


def test_outside_the_area_is_404_like_missing(
    client: TestClient, db: Session, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    headers = bearer(db, "grid2")
    for path in (f"{API}/{row.id}", f"{API}/{row.id}/checks", f"{API}/987654321"):
        assert client.get(path, headers=headers).status_code == 404
    posted = client.post(f"{API}/{row.id}/checks", headers=headers,
                         json={"temperature": 36.5, "symptoms": []})
    assert posted.status_code == 404
    assert checks_of(db, row.id) == 0
    assert client.post(f"{API}/987654321/checks", headers=headers,
                       json={"temperature": 36.5}).status_code == 404


def test_life_support_through_the_api(
    client: TestClient, db: Session, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    headers = bearer(db, "grid1")
    made = client.post(f"{API}/{row.id}/support", headers=headers,
                       json={"category": "medicine", "urgency": "urgent", "details": "胰岛素"})
    assert made.status_code == 201
    request_id = made.json()["id"]
    assigned = client.post(f"{API}/support/{request_id}/assign", headers=headers,
                           json={"assignee_name": "社区医生刘"})
    assert assigned.json()["status"] == "assigned"
    delivered = client.post(f"{API}/support/{request_id}/deliver", headers=headers,
                            json={"note": "已送达"})
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["delivered_at"]
    listing = client.get(f"{API}/support", headers=headers, params={"status": "delivered"})
    assert [item["id"] for item in listing.json()["items"]] == [request_id]
    note = client.post(f"{API}/{row.id}/notes", headers=headers,
                       json={"kind": "counselling", "note": "电话疏导"})
    assert note.status_code == 201
    assert client.get(f"{API}/{row.id}/notes", headers=headers).json()[0]["note"] == "电话疏导"


def test_release_list_transfer_and_figures(
    client: TestClient, db: Session, household: Household
) -> None:
    due_person, other = members_of(db, household)
    due = start(db, due_person, start=days_ago(14), now=at_local(days_ago(14), 9))
    headers = bearer(db, "grid1")
    listing = client.get(f"{API}/release", headers=headers,
                         params={"day": today().isoformat()}).json()
    assert [item["quarantine"]["id"] for item in listing] == [due.id]
    assert listing[0]["problems"] == ["No negative test recorded since the start"]
    refused = client.post(f"{API}/{due.id}/release", headers=headers, json={})
    assert refused.status_code == 409
    released = client.post(f"{API}/{due.id}/release", headers=headers,
                           json={"override_reason": "外院核酸阴性报告"})
    assert released.json()["status"] == "released"
    row = start(db, other)
    moved = client.post(f"{API}/{row.id}/transfer", headers=headers,
                        json={"hospital": "吉大一院", "reason": "发热38.6℃"})
    assert moved.json()["status"] == "hospital"
    assert db.get(Quarantine, row.id) is not None
    figures = client.get(f"{API}/figures", headers=headers,
                         params={"area": GRID1, "day": today().isoformat(), "digits": 15})
    assert figures.json()[GRID1]["released"] >= 1
    assert figures.json()[GRID1]["hospital"] >= 1
    far = client.get(f"{API}/figures", headers=headers,
                     params={"area": "220104", "day": today().isoformat()})
    assert far.status_code == 404


def test_check_links_through_the_api(client: TestClient, db: Session, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    headers = bearer(db, "grid1")
    issued = client.post(f"{API}/{row.id}/check-link", headers=headers)
    assert issued.status_code == 201
    assert issued.json()["path"].startswith("/public/check/")
    assert client.get(f"{API}/{row.id}", headers=headers).json()["check_link"] is True
    assert client.delete(f"{API}/{row.id}/check-link", headers=headers).status_code == 204
    assert client.get(f"{API}/{row.id}", headers=headers).json()["check_link"] is False
