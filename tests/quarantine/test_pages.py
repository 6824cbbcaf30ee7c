"""The quarantine pages as a grid worker and a commander use them, and the personal check page
as the person uses it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from quarantine_helpers import GRID1, at_local, days_ago, make_person, members_of, today
from quarantine_helpers import quarantine as start
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.quarantine.actions import do_end_early, do_issue_check_link
from fangkong.quarantine.models import Alert, HealthCheck, Quarantine, Site, SupportRequest
from fangkong.quarantine.schemas import SupportCreate
from fangkong.quarantine.support import do_request_support
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM


def csrf(client: TestClient) -> str:
    token = client.cookies.get("fk_csrf")
    assert token
    return str(token)


def post(client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client)},
                       follow_redirects=False, **kwargs)


def checks_of(db: Session, row: Quarantine) -> list[HealthCheck]:
    return list(db.scalars(select(HealthCheck).where(HealthCheck.quarantine_id == row.id)))


def test_the_overview_shows_my_area(db: Session, as_user, household: Household) -> None:
    row = start(db, members_of(db, household)[0], start=days_ago(14))
    far = start(db, make_person(db, grid="220104001001001", name="朝阳隔离者"))
    db.commit()
    page = as_user("grid1").get("/quarantine")
    assert page.status_code == 200
    assert f"/quarantine/{row.id}" in page.text
    assert "张伟" in page.text
    assert "朝阳隔离者" not in page.text
    assert f"/quarantine/{far.id}" not in page.text
    assert "/quarantine/new" in page.text


def test_a_grid_worker_orders_a_family_quarantine_from_the_form(
    db: Session, as_user, household: Household, site: Site
) -> None:
    head, other = members_of(db, household)
    db.commit()
    client = as_user("grid1")
    found = client.get("/quarantine/new", params={"q": "张"})
    assert f"/quarantine/new?person_id={head.id}" in found.text
    form = client.get("/quarantine/new", params={"person_id": head.id})
    assert 'name="together_with"' in form.text
    made = post(client, "/quarantine/new", {
        "person_id": head.id, "together_with": [other.id], "kind": "centralised",
        "starts_on": today().isoformat(), "site_id": site.id, "note": "密接"})
    assert made.status_code == 303, made.text[-2000:]
    page = client.get(made.headers["location"])
    assert "南关宾馆" in page.text
    assert "201" in page.text
    rows = list(db.scalars(select(Quarantine).where(Quarantine.person_id.in_([head.id,
                                                                              other.id]))))
    assert {row.room_id for row in rows} == {rows[0].room_id}


def test_a_refused_order_keeps_what_was_typed(db: Session, as_user, household: Household) -> None:
    person = members_of(db, household)[0]
    db.commit()
    client = as_user("grid1")
    bad = post(client, "/quarantine/new", {"person_id": person.id, "kind": "home",
                                           "starts_on": "不是日期", "note": "保留我"})
    assert bad.status_code == 422
    assert "保留我" in bad.text
    assert 'aria-invalid="true"' in bad.text


def test_a_grid_worker_records_a_fever_check_and_sees_the_alert(
    db: Session, as_user, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    db.commit()
    client = as_user("grid1")
    done = post(client, f"/quarantine/{row.id}/checks",
                {"temperature": "38.4", "symptoms": ["cough", "fatigue"]})
    assert done.status_code == 303
    assert done.headers["location"].endswith("done=alert")
    page = client.get(done.headers["location"])
    assert "38.4" in page.text
    alerts = client.get("/quarantine/alerts")
    assert "张伟" in alerts.text
    alert = db.scalars(select(Alert).where(Alert.quarantine_id == row.id)).one()
    assert alert.kind == "fever"
    acked = post(client, f"/quarantine/alerts/{alert.id}/ack",
                 {"action_taken": "已通知社区医生上门复测"})
    assert acked.status_code == 303
    db.refresh(alert)
    assert alert.status == "acknowledged"
    assert "上门复测" in alert.action_taken
    district = as_user("nanguan").get("/quarantine/alerts", params={"status": ""})
    assert "上门复测" in district.text  # up the chain
    assert "张伟" not in as_user("grid2").get("/quarantine/alerts").text


def test_a_bad_temperature_on_the_page_stores_nothing(
    db: Session, as_user, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    db.commit()
    client = as_user("grid1")
    bad = post(client, f"/quarantine/{row.id}/checks", {"temperature": "45"})
    assert bad.status_code == 422
    assert "34.0" in bad.text or "34" in bad.text
    assert not checks_of(db, row)


def test_release_transfer_and_end_from_the_page(db: Session, as_user, household: Household) -> None:
    due_person, other = members_of(db, household)
    due = start(db, due_person, start=days_ago(14), now=at_local(days_ago(14), 9))
    row = start(db, other)
    db.commit()
    client = as_user("grid1")
    listing = client.get("/quarantine/release")
    assert "张伟" in listing.text
    refused = post(client, f"/quarantine/{due.id}/release", {})
    assert refused.status_code == 409
    released = post(client, f"/quarantine/{due.id}/release",
                    {"override_reason": "外院阴性报告已核验"})
    assert released.status_code == 303
    db.refresh(due)
    assert due.status == "released"
    moved = post(client, f"/quarantine/{row.id}/transfer",
                 {"hospital": "吉大一院", "reason": "高热不退"})
    assert moved.status_code == 303
    db.refresh(row)
    assert (row.status, row.hospital) == ("hospital", "吉大一院")


def test_a_life_support_delivery_is_marked_done(db: Session, as_user, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    request = do_request_support(db, actor=SYSTEM, quarantine=row,
                                 data=SupportCreate(category="food", details="蔬菜"))
    db.commit()
    client = as_user("grid1")
    page = client.get("/quarantine/support")
    assert "蔬菜" in page.text
    assigned = post(client, f"/quarantine/support/{request.id}/assign",
                    {"assignee_name": "志愿者小李"})
    assert assigned.status_code == 303
    delivered = post(client, f"/quarantine/support/{request.id}/deliver", {"note": "已送到门口"})
    assert delivered.status_code == 303
    db.refresh(request)
    assert request.status == "delivered"
    assert request.delivered_at is not None
    done = client.get("/quarantine/support", params={"status": "delivered"})
    assert "已送到门口" in done.text


def test_sites_pages_for_a_commander(db: Session, as_user) -> None:
    client = as_user("nanguan")
    made = post(client, "/quarantine/sites", {"name": "南岭酒店", "kind": "hotel",
                                              "area_code": "220102", "address": "南岭大街8号"})
    assert made.status_code == 303
    site_path = made.headers["location"].split("?")[0]
    rooms = post(client, f"{site_path}/rooms", {"numbers": "101-110", "capacity": "2"})
    assert rooms.status_code == 303
    page = client.get(site_path)
    assert "110" in page.text
    overview = client.get("/quarantine/sites")
    assert "南岭酒店" in overview.text
    assert "20" in overview.text
    grid_view = as_user("grid1").get(site_path)  # the district's hotel, seen from a grid
    assert grid_view.status_code == 200
    assert "/rooms" not in grid_view.text
    assert as_user("grid2").get(site_path).status_code == 404


def test_the_personal_check_page(db: Session, client: TestClient, household: Household) -> None:
    row = start(db, members_of(db, household)[0])
    path = do_issue_check_link(db, actor=SYSTEM, quarantine=row)
    db.commit()
    client.cookies.clear()
    page = client.get(path)
    assert page.status_code == 200
    assert "张*" in page.text
    assert "张伟" not in page.text
    assert household.address not in page.text
    sent = post(client, path, {"temperature": "36.5"})
    assert sent.status_code == 303
    assert len(checks_of(db, row)) == 1
    assert checks_of(db, row)[0].by == "self"
    bad = post(client, path, {"temperature": "33"})
    assert bad.status_code == 422
    assert len(checks_of(db, row)) == 1
    asked = post(client, f"{path}/support", {"category": "medicine", "details": "退烧药"})
    assert asked.status_code == 303
    assert db.scalar(select(func.count()).select_from(SupportRequest).where(
        SupportRequest.quarantine_id == row.id)) == 1


def test_a_released_or_unknown_link_shows_nothing(
    db: Session, client: TestClient, household: Household
) -> None:
    row = start(db, members_of(db, household)[0])
    path = do_issue_check_link(db, actor=SYSTEM, quarantine=row)
    do_end_early(db, actor=SYSTEM, quarantine=row, reason="解除")
    db.commit()
    client.cookies.clear()
    gone = client.get(path)
    assert gone.status_code == 410
    assert "张" not in gone.text
    posted = post(client, path, {"temperature": "36.5"})
    assert posted.status_code == 410
    assert not checks_of(db, row)
    unknown = client.get("/public/check/not-a-real-link")
    assert unknown.status_code == 404


def test_to_place_lists_and_places_with_one_click(db: Session, as_user,
                                                  household: Household) -> None:
    from test_placing import flag  # noqa: PLC0415 - the screening set-up of those tests

    person = members_of(db, household)[0]
    follow_up = flag(db, household, person, key_area_travel=True)
    db.commit()
    client = as_user("grid1")
    page = client.get("/quarantine/to-place")
    assert person.name in page.text
    placed = post(client, f"/quarantine/to-place/follow-ups/{follow_up.id}", {"kind": "home"})
    assert placed.status_code == 303
    assert person.name not in client.get("/quarantine/to-place").text
    assert GRID1 in {row.area_code for row in db.scalars(select(Quarantine).where(
        Quarantine.person_id == person.id))}


def test_the_alerts_page_raises_missed_checks_lazily(
    db: Session, as_user, household: Household
) -> None:
    row = start(db, members_of(db, household)[0], start=days_ago(2),
                now=at_local(days_ago(2), 5))
    db.commit()
    client = as_user("grid1")
    client.app.state.quarantine_swept = {}  # type: ignore[attr-defined]
    page = client.get("/quarantine/alerts")
    assert page.status_code == 200
    missed = list(db.scalars(select(Alert).where(Alert.quarantine_id == row.id,
                                                 Alert.kind == "missed_check")))
    assert len(missed) >= 4
    assert "漏打卡" in page.text
