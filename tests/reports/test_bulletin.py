"""The public bulletin: drafted from the day's figures, edited, published by a commander; never
edited once published (a correction is a new version); public pages show only what was
published, no personal data and no figure below the chosen level; notices likewise."""

from __future__ import annotations

import re
from typing import Any

import pytest
from daily_helpers import (
    CITY,
    GRID1,
    NANGUAN,
    actor_of,
    arrive,
    at_local,
    make_person,
    quarantine,
    today,
)
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.errors import Conflict, Invalid
from fangkong.quarantine.codes import QuarantineKind
from fangkong.reports.bulletin import (
    do_create_bulletin,
    do_publish_bulletin,
    do_update_bulletin,
)
from fangkong.reports.bulletin_notices import (
    do_create_notice,
    do_publish_notice,
    do_withdraw_notice,
)
from fangkong.reports.bulletin_schemas import BulletinCreate, BulletinUpdate, NoticeCreate
from fangkong.reports.models import Bulletin
from fangkong.settings import Settings

COLUMNS = ["arrivals.total", "quarantine.under_total", "screening.coverage"]
DISTRICT_MARK = "data-code=\"2201"


def draft(db: Session, settings: Settings, *, level: str = "district", title: str = "长春市通报",
          user: str = "city", **extra: Any) -> Bulletin:
    data = BulletinCreate(area_code=CITY, day=today(), title=title, body="今日通报",
                          columns=COLUMNS, detail_level=level, **extra)
    return do_create_bulletin(db, actor=actor_of(db, user), settings=settings, data=data)


def districts(db: Session) -> list[Area]:
    return list(db.scalars(select(Area).where(Area.parent_code == CITY)))


def test_a_draft_freezes_the_chosen_figures_at_the_chosen_level(
    db: Session, settings: Settings,
) -> None:
    arrive(db, settings, community="220102001001", when=at_local(today(), 8))
    city_only = draft(db, settings, level="city")
    assert city_only.status == "draft"
    assert city_only.figures["rows"] == []
    assert [c["key"] for c in city_only.figures["columns"]] == COLUMNS
    assert city_only.figures["total"]["values"]["arrivals.total"] >= 1
    with_districts = draft(db, settings)
    assert {row["code"] for row in with_districts.figures["rows"]} == {
        area.code for area in districts(db)}
    with pytest.raises(Invalid) as refused:
        draft(db, settings, level="community")
    assert "detail_level" in refused.value.fields


def test_published_bulletins_are_never_edited_and_corrections_are_new_versions(
    db: Session, settings: Settings,
) -> None:
    city = actor_of(db, "city")
    first = draft(db, settings)
    do_publish_bulletin(db, actor=city, bulletin=first)
    assert first.published_at is not None
    update = BulletinUpdate(title="改", body="改", columns=COLUMNS, detail_level="city")
    with pytest.raises(Conflict):
        do_update_bulletin(db, actor=city, settings=settings, bulletin=first, data=update)
    with pytest.raises(Conflict):
        do_publish_bulletin(db, actor=city, bulletin=first)
    with pytest.raises(Invalid) as refused:
        draft(db, settings, supersedes_id=first.id)
    assert "correction_note" in refused.value.fields
    second = draft(db, settings, supersedes_id=first.id, correction_note="入境人数更正")
    assert (second.version, second.supersedes_id, second.status) == (2, first.id, "draft")
    assert first.title == "长春市通报"


def test_public_pages_show_only_published_bulletins_and_corrections_as_such(
    db: Session, settings: Settings, client: TestClient,
) -> None:
    city = actor_of(db, "city")
    hidden = draft(db, settings, title="尚未发布的草稿")
    assert client.get(f"/public/bulletins/{hidden.id}").status_code == 404
    assert "尚未发布的草稿" not in client.get("/public").text
    assert "尚未发布的草稿" not in client.get("/public/bulletins").text
    first = draft(db, settings, title="第一版通报")
    do_publish_bulletin(db, actor=city, bulletin=first)
    second = draft(db, settings, title="更正后的通报", supersedes_id=first.id,
                   correction_note="入境人数更正")
    do_publish_bulletin(db, actor=city, bulletin=second)
    home = client.get("/public")
    assert home.status_code == 200
    assert "更正后的通报" in home.text
    assert "/public/arrive" in home.text
    assert "/public/booking" in home.text
    page = client.get(f"/public/bulletins/{second.id}").text
    assert "入境人数更正" in page
    assert f'href="/public/bulletins/{first.id}"' in page
    old = client.get(f"/public/bulletins/{first.id}").text
    assert f'href="/public/bulletins/{second.id}"' in old
    assert "第一版通报" in old


def test_no_personal_data_and_no_figure_below_the_chosen_level(
    db: Session, settings: Settings, client: TestClient,
) -> None:
    person = make_person(db, GRID1, name="欧阳秘密")
    quarantine(db, person, day=today(), kind=QuarantineKind.HOME)
    arrive(db, settings, community="220102001001", when=at_local(today(), 8), serial=7)
    city = actor_of(db, "city")
    bulletin = draft(db, settings, level="city", title="只有全市数字")
    do_publish_bulletin(db, actor=city, bulletin=bulletin)
    for path in ("/public", "/public/bulletins", f"/public/bulletins/{bulletin.id}"):
        text = client.get(path).text
        assert "欧阳秘密" not in text
        assert "旅客" not in text
        assert "13700000000" not in text
        assert not re.search(r"\d{17}[\dX]", text)
        for area in districts(db):
            assert area.name not in text, (path, area.name)
        assert DISTRICT_MARK + NANGUAN[4:] not in text
    assert 'data-code="2201"' in client.get(f"/public/bulletins/{bulletin.id}").text


def test_notices_are_public_only_while_published(db: Session, client: TestClient) -> None:
    city = actor_of(db, "city")
    rumour = do_create_notice(db, actor=city, area_code=CITY, data=NoticeCreate(
        kind="rumour", title="网传封城系谣言", body="不实"))
    assert "网传封城系谣言" not in client.get("/public").text
    do_publish_notice(db, actor=city, notice=rumour)
    assert "网传封城系谣言" in client.get("/public").text
    do_withdraw_notice(db, actor=city, notice=rumour)
    assert "网传封城系谣言" not in client.get("/public").text


def test_a_commander_drafts_previews_and_publishes_through_the_pages(
    db: Session, as_user: Any,
) -> None:
    grid: TestClient = as_user("grid1")
    assert grid.get("/reports/bulletins").status_code == 403
    client: TestClient = as_user("city")
    form = client.get(f"/reports/bulletins/new?day={today().isoformat()}")
    assert form.status_code == 200
    assert 'name="columns"' in form.text
    token = client.cookies["fk_csrf"]
    data = {"csrf_token": token, "area_code": CITY, "day": today().isoformat(),
            "columns": ["arrivals.total", "screening.coverage"], "detail_level": "city",
            "title": "网页通报", "body": "正文", "action": "save"}
    saved = client.post("/reports/bulletins", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    preview = client.get(saved.headers["location"])
    assert "网页通报" in preview.text
    bulletin_id = int(saved.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/public/bulletins/{bulletin_id}").status_code == 404
    refill = client.post("/reports/bulletins", data={**data, "action": "refill"})
    assert refill.status_code == 200
    missing = client.post("/reports/bulletins", data={**data, "columns": []})
    assert missing.status_code == 422
    published = client.post(f"/reports/bulletins/{bulletin_id}/publish",
                            data={"csrf_token": token}, follow_redirects=False)
    assert published.status_code == 303
    assert "网页通报" in client.get("/public").text
    again = client.post(f"/reports/bulletins/{bulletin_id}",
                        data={**data, "title": "改过"}, follow_redirects=False)
    assert again.status_code == 409
    nanguan: TestClient = as_user("nanguan")
    assert nanguan.get(f"/reports/bulletins/{bulletin_id}").status_code == 404
    notice = nanguan.post("/reports/notices", data={
        "csrf_token": nanguan.cookies["fk_csrf"], "kind": "hotline", "title": "热线 12345",
        "body": "信箱 fk@example.cn"}, follow_redirects=False)
    assert notice.status_code == 303
    assert nanguan.get(notice.headers["location"]).status_code == 200
