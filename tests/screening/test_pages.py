"""The screening pages as a grid worker and a commander use them."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from screening_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    fever,
    make_household,
    members_of,
    today,
    visit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.screening.models import FollowUp, HouseholdStatus, ScreeningRound, Visit
from fangkong.screening.queries import area_figures
from fangkong.screening.schemas import Outcome

HTMX = {"HX-Request": "true"}


def csrf(client) -> str:  # type: ignore[no-untyped-def]
    token = client.cookies.get("fk_csrf")
    assert token
    return str(token)


def test_rounds_page_lists_my_rounds_with_coverage(
    db: Session, as_user, city_round: ScreeningRound,
) -> None:
    client = as_user("grid1")
    page = client.get("/screening")
    assert page.status_code == 200
    assert city_round.name in page.text
    assert f"/screening/rounds/{city_round.id}/next" in page.text
    assert "/screening/rounds/new" not in page.text


def test_a_commander_creates_edits_and_closes_a_round(db: Session, as_user) -> None:
    client = as_user("nanguan")
    start, end = today(), today() + timedelta(days=6)
    form = {"csrf_token": csrf(client), "name": "南关区第二轮", "area_code": "220102",
            "starts_on": start.isoformat(), "ends_on": end.isoformat()}
    created = client.post("/screening/rounds/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text[-3000:]
    location = created.headers["location"]
    round_id = int(location.split("/")[3].split("?")[0])
    assert "南关区第二轮" in client.get(location).text
    bad = client.post(f"/screening/rounds/{round_id}", data={
        "csrf_token": csrf(client), "name": "改名", "starts_on": end.isoformat(),
        "ends_on": start.isoformat()})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    saved = client.post(f"/screening/rounds/{round_id}", data={
        "csrf_token": csrf(client), "name": "改名", "starts_on": start.isoformat(),
        "ends_on": end.isoformat()}, follow_redirects=False)
    assert saved.status_code == 303
    closed = client.post(f"/screening/rounds/{round_id}/close",
                         data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert closed.status_code == 303
    round_ = db.get(ScreeningRound, round_id)
    assert round_ is not None
    assert (round_.name, round_.status) == ("改名", "closed")
    outside = client.post("/screening/rounds/new", data={**form, "area_code": "220104"})
    assert outside.status_code == 422


def test_a_grid_worker_cannot_create_rounds(as_user) -> None:
    client = as_user("grid1")
    assert client.get("/screening/rounds/new").status_code == 403


def test_next_households_lists_unvisited_then_nobody_home(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    done = make_household(db, address="一号楼1单元101")
    revisit = make_household(db, address="一号楼1单元102")
    fresh = make_household(db, address="一号楼1单元103")
    make_household(db, GRID1_NEIGHBOUR, address="邻格2号")
    visit(db, actors("grid1"), city_round, done)
    visit(db, actors("grid1"), city_round, revisit, Outcome.NOBODY_HOME)
    page = as_user("grid1").get(f"/screening/rounds/{city_round.id}/next").text
    assert fresh.address in page
    assert revisit.address in page
    assert page.index(fresh.address) < page.index(revisit.address)
    assert done.address not in page
    assert "邻格2号" not in page
    found = as_user("grid1").get(f"/screening/rounds/{city_round.id}/next?q=101").text
    assert done.address in found


def test_all_well_in_one_tap(db: Session, as_user, city_round: ScreeningRound) -> None:
    household = make_household(db, members=("张伟", "李娜", "张小明"))
    client = as_user("grid1")
    url = f"/screening/rounds/{city_round.id}/households/{household.id}/visit"
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert "张小明" in form_page.text
    saved = client.post(url, data={"csrf_token": csrf(client), "outcome": "all_well",
                                   "members.0.temperature": "39.0"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "done=visit_saved" in saved.headers["location"]
    status = db.get(HouseholdStatus, (city_round.id, household.id))
    assert status is not None
    assert (status.outcome, status.persons_seen) == ("visited", 3)
    assert db.scalars(select(FollowUp)).all() == []


def test_deviations_per_member_and_errors_kept(
    db: Session, as_user, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    first, second = members_of(db, household)
    client = as_user("grid1")
    url = f"/screening/rounds/{city_round.id}/households/{household.id}/visit"
    base = {"csrf_token": csrf(client), "outcome": "visited",
            "members.0.person_id": str(first.id), "members.0.present": "1",
            "members.1.person_id": str(second.id), "members.1.present": "0"}
    bad = client.post(url, data={**base, "members.0.temperature": "45"})
    assert bad.status_code == 422
    assert 'id="members.0.temperature" name="members.0.temperature"' in bad.text
    assert 'value="45"' in bad.text
    away = client.post(url, data=base)
    assert away.status_code == 422
    assert "members-1-away_where-error" in away.text
    saved = client.post(url, data={
        **base, "members.0.temperature": "38.1", "members.0.symptoms": ["cough", "fatigue"],
        "members.1.away_where": "北京", "members.2.new_person.name": "王五",
        "members.2.key_area_travel": "1"}, follow_redirects=False)
    assert saved.status_code == 303
    flagged = {row.person_id: row.reasons for row in db.scalars(select(FollowUp))}
    assert flagged[first.id] == ["fever", "symptoms"]
    assert len(flagged) == 2
    assert [person.name for person in members_of(db, household)] == ["张伟", "李娜", "王五"]


def test_other_outcomes_from_the_form(db: Session, as_user, city_round: ScreeningRound) -> None:
    household = make_household(db)
    client = as_user("grid1")
    url = f"/screening/rounds/{city_round.id}/households/{household.id}/visit"
    client.post(url, data={"csrf_token": csrf(client), "outcome": "nobody_home",
                           "members.0.person_id": "1"}, follow_redirects=False)
    status = db.get(HouseholdStatus, (city_round.id, household.id))
    assert status is not None
    assert status.outcome == "nobody_home"


def test_the_line_list_saves_row_by_row(db: Session, as_user, city_round: ScreeningRound) -> None:
    first = make_household(db, address="光明路8号")
    second = make_household(db, address="光明路9号")
    client = as_user("grid1")
    url = f"/screening/rounds/{city_round.id}/line-list"
    assert client.get(url).status_code == 200
    day = (today() - timedelta(days=1)).isoformat()
    ok = client.post(url, headers=HTMX, data={
        "csrf_token": csrf(client), "household": first.code, "day": day, "outcome": "visited",
        "members": "2 38.6 咳嗽"})
    assert ok.status_code == 200
    assert "ll-saved" in ok.text
    assert f'value="{day}"' in ok.text  # the next row keeps the date
    wrong = client.post(url, headers=HTMX, data={
        "csrf_token": csrf(client), "household": "光明路9", "day": day, "outcome": "visited",
        "members": "李四 38"})
    assert wrong.status_code == 200
    assert "ll-error" in wrong.text
    assert "李四" in wrong.text
    ambiguous = client.post(url, headers=HTMX, data={
        "csrf_token": csrf(client), "household": "光明路", "outcome": "refused"})
    assert "ll-error" in ambiguous.text
    by_address = client.post(url, headers=HTMX, data={
        "csrf_token": csrf(client), "household": "光明路9", "day": day, "outcome": "refused"})
    assert "ll-saved" in by_address.text
    visits = db.scalars(select(Visit).where(Visit.round_id == city_round.id)).all()
    assert sorted((v.household_id, v.outcome) for v in visits) == [
        (first.id, "visited"), (second.id, "refused")]
    assert len(db.scalars(select(FollowUp)).all()) == 1
    picker = client.get(f"/screening/rounds/{city_round.id}/households/search",
                        params={"household": "光明"})
    assert first.code in picker.text


def test_coverage_page_and_drill_down(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    visit(db, actors("grid1"), city_round, make_household(db))
    make_household(db)
    client = as_user("nanguan")
    page = client.get(f"/screening/rounds/{city_round.id}/coverage")
    assert page.status_code == 200
    assert "南岭街道" in page.text
    grid = client.get(f"/screening/rounds/{city_round.id}/coverage?area={GRID1}")
    assert grid.status_code == 200
    assert 'data-stat="reached-pct">50.0%' in grid.text
    assert client.get(f"/screening/rounds/{city_round.id}/coverage?area=220104").status_code == 404


def test_not_visited_list_and_its_export(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    seen = make_household(db, address="和平街1号")
    away = make_household(db, address="和平街2号")
    never = make_household(db, address="和平街3号")
    visit(db, actors("grid1"), city_round, seen)
    visit(db, actors("grid1"), city_round, away, Outcome.NOBODY_HOME)
    client = as_user("nanling")
    url = f"/screening/rounds/{city_round.id}/not-visited"
    page = client.get(url, params={"grid": GRID1})
    assert page.status_code == 200
    assert never.address in page.text
    assert away.address in page.text
    assert seen.address not in page.text
    only_new = client.get(url, params={"grid": GRID1, "outcome": "none"}).text
    assert away.address not in only_new
    export = client.get(f"{url}.xlsx", params={"grid": GRID1})
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "不漏一户一人" in str(rows[0][0])
    assert "第一轮排查" in str(rows[1][0])
    assert rows[2][0] == "户编号"
    assert {row[2] for row in rows[3:]} == {away.address, never.address}
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "export",
                                                AuditEntry.resource == "not_visited"))
    assert entry is not None
    assert entry.detail["rows"] == 2
    figures = area_figures(db, round_id=city_round.id, area_code=GRID1)
    assert figures.to_visit + figures.nobody_home + figures.refused == 2


def test_follow_ups_list_and_handle(
    db: Session, as_user, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    person = members_of(db, household)[0]
    visit(db, actors("grid1"), city_round, household, members=[fever(person)])
    client = as_user("grid1")
    page = client.get("/screening/follow-ups")
    assert person.name in page.text
    assert "网格员一" in page.text
    follow_up = db.scalars(select(FollowUp)).one()
    empty = client.post(f"/screening/follow-ups/{follow_up.id}/handle",
                        data={"csrf_token": csrf(client), "note": ""})
    assert empty.status_code == 422
    handled = client.post(f"/screening/follow-ups/{follow_up.id}/handle", data={
        "csrf_token": csrf(client), "note": "已居家隔离，已采样"}, follow_redirects=False)
    assert handled.status_code == 303
    db.refresh(follow_up)
    assert (follow_up.status, follow_up.handled_note) == ("handled", "已居家隔离，已采样")
    other = as_user("grid2").get("/screening/follow-ups")
    assert person.name not in other.text

