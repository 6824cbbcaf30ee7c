"""The screening API through its HTTP client, as grid workers and commanders call it."""

from __future__ import annotations

from datetime import timedelta

from screening_helpers import GRID1, GRID2, fever, make_household, members_of, today, visit
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.screening.models import ScreeningRound

API = "/api/v1/screening"


def headers(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"X-CSRF-Token": str(client.cookies.get("fk_csrf"))}


def test_rounds_crud(as_user) -> None:
    client = as_user("nanling")
    body = {"name": "南岭街道排查", "area_code": "220102001",
            "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=5)).isoformat()}
    created = client.post(f"{API}/rounds", json=body, headers=headers(client))
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    assert created.json()["status"] == "active"
    again = client.post(f"{API}/rounds", json=body, headers=headers(client))
    assert (again.status_code, again.json()["code"]) == (409, "screening.round_overlaps")
    listed = client.get(f"{API}/rounds").json()
    assert [item["id"] for item in listed["items"]] == [round_id]
    patched = client.patch(f"{API}/rounds/{round_id}", json={"name": "南岭第一轮"},
                           headers=headers(client))
    assert patched.json()["name"] == "南岭第一轮"
    bad = client.patch(f"{API}/rounds/{round_id}", json={
        "ends_on": (today() - timedelta(days=1)).isoformat()}, headers=headers(client))
    assert (bad.status_code, list(bad.json()["fields"])) == (422, ["ends_on"])
    closed = client.post(f"{API}/rounds/{round_id}/close", headers=headers(client))
    assert closed.json()["status"] == "closed"
    assert client.delete(f"{API}/rounds/{round_id}", headers=headers(client)).status_code == 204
    assert client.get(f"{API}/rounds/{round_id}").status_code == 404


def test_a_grid_worker_reads_the_city_round_but_cannot_change_it(
    as_user, city_round: ScreeningRound,
) -> None:
    client = as_user("grid1")
    assert client.get(f"{API}/rounds/{city_round.id}").json()["name"] == city_round.name
    assert client.post(f"{API}/rounds/{city_round.id}/close",
                       headers=headers(client)).status_code == 403
    nanling = as_user("nanling")
    assert nanling.post(f"{API}/rounds/{city_round.id}/close",
                        headers=headers(nanling)).status_code == 403


def test_record_and_list_visits(db: Session, as_user, city_round: ScreeningRound) -> None:
    household = make_household(db)
    first, second = members_of(db, household)
    client = as_user("grid1")
    body = {"household_id": household.id, "outcome": "visited", "members": [
        {"person_id": first.id, "temperature": "38.0", "symptoms": ["cough"]},
        {"person_id": second.id, "present": False, "away_where": "北京"},
    ]}
    created = client.post(f"{API}/rounds/{city_round.id}/visits", json=body,
                          headers=headers(client))
    assert created.status_code == 201, created.text
    data = created.json()
    assert (data["outcome"], data["visitor_name"], len(data["members"])) == (
        "visited", "网格员一", 2)
    hot = client.post(f"{API}/rounds/{city_round.id}/visits", json={
        **body, "members": [{"person_id": first.id, "temperature": "43.5"}]},
        headers=headers(client))
    assert hot.status_code == 422
    assert "members.0.temperature" in hot.json()["fields"]
    listed = client.get(f"{API}/rounds/{city_round.id}/visits",
                        params={"household": household.id}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["members"][0]["symptoms"] == ["cough"]
    viewed = db.scalar(select(AuditEntry).where(AuditEntry.action == "view",
                                                 AuditEntry.resource == "visit"))
    assert viewed is not None


def test_coverage_and_not_visited(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    seen = make_household(db)
    make_household(db)
    make_household(db, GRID2)
    visit(db, actors("grid1"), city_round, seen)
    client = as_user("nanguan")
    coverage = client.get(f"{API}/rounds/{city_round.id}/coverage").json()
    assert coverage["area"]["code"] == "220102"
    assert coverage["area"]["figures"]["visited"] == 1
    assert coverage["area"]["figures"]["reached_pct"] == 50.0
    assert sum(child["figures"]["households"] for child in coverage["children"]) == 2
    assert coverage["workers"][0]["name"] == "网格员一"
    grid = client.get(f"{API}/rounds/{city_round.id}/coverage", params={"area": GRID1}).json()
    assert grid["children"] == []
    assert client.get(f"{API}/rounds/{city_round.id}/coverage",
                      params={"area": GRID2}).status_code == 404
    missing = client.get(f"{API}/rounds/{city_round.id}/not-visited").json()
    assert missing["total"] == 1
    assert missing["items"][0]["outcome"] is None


def test_follow_ups_list_and_handle(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    person = members_of(db, household)[0]
    visit(db, actors("grid1"), city_round, household, members=[fever(person)])
    client = as_user("grid1")
    listed = client.get(f"{API}/follow-ups").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["person_name"], item["reasons"], item["status"]) == (
        person.name, ["fever"], "open")
    handled = client.post(f"{API}/follow-ups/{item['id']}/handle", json={"note": "已转隔离点"},
                          headers=headers(client))
    assert handled.json()["status"] == "handled"
    twice = client.post(f"{API}/follow-ups/{item['id']}/handle", json={"note": "again"},
                        headers=headers(client))
    assert twice.status_code == 409
    other = as_user("grid2")
    assert other.get(f"{API}/follow-ups").json()["total"] == 0
    assert other.post(f"{API}/follow-ups/{item['id']}/handle", json={"note": "x"},
                      headers=headers(other)).status_code == 404


def test_scope_of_visits(db: Session, as_user, city_round: ScreeningRound) -> None:
    """A grid worker cannot read or visit a household outside their grid: 404 as if missing."""
    elsewhere = make_household(db, GRID2)
    client = as_user("grid1")
    for url in (f"/screening/rounds/{city_round.id}/households/{elsewhere.id}/visit",
                f"/screening/rounds/{city_round.id}/households/999999999/visit",
                f"{API}/rounds/{city_round.id}/visits?household={elsewhere.id}"):
        assert client.get(url).status_code == 404, url
    posted = client.post(f"{API}/rounds/{city_round.id}/visits", json={
        "household_id": elsewhere.id, "outcome": "nobody_home"}, headers=headers(client))
    assert posted.status_code == 404
    assert client.get(f"/screening/rounds/{city_round.id}/next?area={GRID2}").status_code == 404
    assert client.get(f"/screening/rounds/{city_round.id}/not-visited?area=220102"
                      ).status_code == 404
    foreign = ScreeningRound(name="朝阳区排查", area_code="220104", starts_on=today(),
                             ends_on=today(), status="active")
    db.add(foreign)
    db.flush()
    assert client.get(f"{API}/rounds/{foreign.id}").status_code == 404
    assert client.get(f"/screening/rounds/{foreign.id}/coverage").status_code == 404
    assert GRID1 in city_round.area_code + GRID1
