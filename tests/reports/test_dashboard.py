"""The commander's dashboard: headline numbers of the report's total with their change, the
children's figures for the map, trends from the daily counters, laggards with their leaders,
open alerts (scoped, without personal data), the page, permissions and scope, and speed."""

from __future__ import annotations

import time
from typing import Any

from daily_helpers import (
    CITY,
    COMMUNITY,
    GRID1,
    GRID2,
    NANGUAN,
    NANLING,
    arrive,
    at_local,
    make_person,
    quarantine,
    report_of,
    today,
)
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.quarantine.alerts import do_raise_alert
from fangkong.quarantine.codes import AlertKind, QuarantineKind
from fangkong.reports.shapes import do_generate_demo_shapes
from fangkong.settings import Settings


def test_headline_and_children_figures_come_from_the_daily_report(
    db: Session, settings: Settings, as_user: Any,
) -> None:
    arrive(db, settings, community=COMMUNITY, when=at_local(today(), 8))
    quarantine(db, make_person(db, GRID1), day=today(), kind=QuarantineKind.HOME)
    client: TestClient = as_user("nanguan")
    data = client.get("/api/v1/dashboard").json()
    report = report_of(db, settings, NANGUAN)
    assert data["area_code"] == NANGUAN
    headline = {item["key"]: item for item in data["headline"]}
    assert set(headline) == {item.key for item in report.columns if item.column.headline}
    assert headline["arrivals.total"]["value"] == report.total.values["arrivals.total"] >= 1
    assert headline["arrivals.total"]["delta"] == report.total.deltas["arrivals.total"]
    children = db.scalars(select(Area.code).where(Area.parent_code == NANGUAN)
                          .order_by(Area.code)).all()
    assert [child["code"] for child in data["children"]] == list(children)
    nanling = next(child for child in data["children"] if child["code"] == NANLING)
    assert nanling["values"]["quarantine.under_home"] >= 1
    assert {figure["key"] for figure in data["figures"]} == {c.key for c in report.columns}


def test_trends_count_each_day_from_the_counters(
    db: Session, settings: Settings, as_user: Any,
) -> None:
    arrive(db, settings, community=COMMUNITY, when=at_local(today(), 8), serial=1)
    arrive(db, settings, community=COMMUNITY, when=at_local(today(), 8), serial=2)
    client: TestClient = as_user("nanguan")
    trends = client.get(f"/api/v1/dashboard/trends?area={NANGUAN}").json()
    assert len(trends["days"]) == 14
    assert trends["days"][-1] == today().isoformat()
    series = {item["key"]: item for item in trends["series"]}
    assert set(series) == {"arrivals", "quarantines", "positives", "coverage"}
    assert series["arrivals"]["values"][-1] >= 2
    assert len(client.get("/api/v1/dashboard/trends?days=30").json()["days"]) == 30
    assert client.get("/api/v1/dashboard/trends?days=400").status_code == 422
    other = client.get("/api/v1/dashboard/trends?area=220104").status_code
    assert other == 404


def test_laggards_name_their_leaders_and_alerts_stay_in_scope_without_names(
    db: Session, settings: Settings, as_user: Any,
) -> None:
    mine = make_person(db, GRID1, name="李雷")
    theirs = make_person(db, GRID2, name="韩梅梅")
    do_raise_alert(db, person=mine, area_code=GRID1, kind=AlertKind.FEVER, detail={})
    do_raise_alert(db, person=theirs, area_code=GRID2, kind=AlertKind.FEVER, detail={})
    client: TestClient = as_user("nanguan")
    data = client.get("/api/v1/dashboard").json()
    assert [alert["area_code"] for alert in data["alerts"]] == [GRID1]
    assert data["alerts"][0]["kind"] == "fever"
    text = client.get("/api/v1/dashboard").text
    assert "李雷" not in text
    assert "韩梅梅" not in text
    assert 0 < len(data["laggards"]) <= 5
    assert {item["code"] for item in data["laggards"]} <= {c["code"] for c in data["children"]}
    assert any(item["leaders"] for item in data["laggards"])


def test_permissions_scope_and_the_page(db: Session, as_user: Any) -> None:
    do_generate_demo_shapes(db, CITY)
    grid: TestClient = as_user("grid1")
    assert grid.get("/api/v1/dashboard").status_code == 403
    assert grid.get("/reports/dashboard").status_code == 403
    client: TestClient = as_user("nanguan")
    assert client.get("/api/v1/dashboard?area=220104").status_code == 404
    assert client.get("/reports/dashboard?area=220104").status_code == 404
    assert client.get("/reports/dashboard?area=999999").status_code == 404
    page = client.get(f"/reports/dashboard?area={NANLING}")
    assert page.status_code == 200
    assert "/static/vendor/echarts.min.js" in page.text
    assert 'data-area="220102001"' in page.text
    assert "指挥大屏" in page.text
    assert "趋势" in page.text
    assert 'href="/reports/dashboard"' in client.get("/").text


def test_the_city_dashboard_data_is_fast(db: Session, as_user: Any) -> None:
    client: TestClient = as_user("city")
    client.get("/api/v1/dashboard")
    started = time.perf_counter()
    assert client.get("/api/v1/dashboard").status_code == 200
    assert client.get("/api/v1/dashboard/trends?days=30").status_code == 200
    assert time.perf_counter() - started < 1.0
