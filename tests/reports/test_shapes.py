"""Area outlines: generated for the demo city (deterministic, nested), imported as GeoJSON
(good features kept, bad ones reported one by one), served for the map of an area's children."""

from __future__ import annotations

import json
from typing import Any

import pytest
from daily_helpers import CITY, NANGUAN, NANLING, actor_of
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.errors import Invalid
from fangkong.reports.models import AreaShape
from fangkong.reports.shapes import do_generate_demo_shapes, do_import_shapes, geometry_ok
from fangkong.scope import in_scope


def square(west: float, south: float = 43.8, size: float = 0.05) -> dict[str, Any]:
    ring = [[west, south], [west + size, south], [west + size, south + size],
            [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _box(db: Session, code: str) -> tuple[float, float, float, float]:
    shape = db.get(AreaShape, code)
    assert shape is not None
    ring = shape.geometry["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def test_demo_shapes_cover_every_area_nested_in_its_parent_and_deterministic(
    db: Session,
) -> None:
    written = do_generate_demo_shapes(db, CITY)
    areas = db.scalar(select(func.count()).select_from(Area).where(
        in_scope(Area.code.expression, CITY)))
    assert written == areas
    first = {shape.area_code: shape.geometry for shape in db.scalars(select(AreaShape))}
    assert do_generate_demo_shapes(db, CITY) == written
    assert {shape.area_code: shape.geometry for shape in db.scalars(select(AreaShape))} == first
    west, south, east, north = _box(db, CITY)
    assert west < 125.3 < east
    assert south < 43.9 < north
    for child, parent in ((NANGUAN, CITY), (NANLING, NANGUAN)):
        inner, outer = _box(db, child), _box(db, parent)
        assert outer[0] <= inner[0] < inner[2] <= outer[2]
        assert outer[1] <= inner[1] < inner[3] <= outer[3]
        assert geometry_ok(db.get(AreaShape, child).geometry)  # type: ignore[union-attr]


def test_import_keeps_good_features_and_reports_each_bad_one(db: Session) -> None:
    do_generate_demo_shapes(db, CITY)
    admin = actor_of(db, "admin")
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": int(NANGUAN)}, "geometry": square(125.0)},
        {"type": "Feature", "properties": {"区划代码": NANLING}, "geometry": square(125.1)},
        {"type": "Feature", "properties": {"code": "999999"}, "geometry": square(125.2)},
        {"type": "Feature", "properties": {"code": CITY},
         "geometry": {"type": "Point", "coordinates": [125.0, 43.0]}},
        {"type": "Feature", "properties": {}, "geometry": square(125.3)},
        {"type": "Feature", "properties": {"code": CITY}, "geometry": {
            "type": "Polygon", "coordinates": [[[125.0, 43.0], [125.1, 43.0], [125.1, 43.1]]]}},
    ]}
    result = do_import_shapes(db, actor=admin, collection=collection)
    assert result.imported == [NANGUAN, NANLING]
    assert [(item["feature"], item["code"]) for item in result.errors] == [
        (3, "999999"), (4, CITY), (5, ""), (6, CITY)]
    assert db.get(AreaShape, NANGUAN).source == "imported"  # type: ignore[union-attr]
    assert db.get(AreaShape, NANLING).geometry == square(125.1)  # type: ignore[union-attr]
    do_generate_demo_shapes(db, CITY)
    assert db.get(AreaShape, NANGUAN).geometry == square(125.0)  # type: ignore[union-attr]


def test_import_refuses_what_is_not_a_feature_collection_and_codes_out_of_scope(
    db: Session,
) -> None:
    nanguan = actor_of(db, "nanguan")
    with pytest.raises(Invalid):
        do_import_shapes(db, actor=nanguan, collection={"type": "Feature"})
    result = do_import_shapes(db, actor=nanguan, collection={"type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": "220104"},
                      "geometry": square(125.0)}]})
    assert result.imported == []
    assert result.errors[0]["code"] == "220104"


def test_shapes_api_answers_the_childrens_collection_and_import_needs_shape_write(
    db: Session, as_user: Any,
) -> None:
    do_generate_demo_shapes(db, CITY)
    client: TestClient = as_user("nanguan")
    found = client.get(f"/api/v1/shapes?area={NANGUAN}").json()
    children = db.scalars(select(Area.code).where(Area.parent_code == NANGUAN)).all()
    assert sorted(f["properties"]["code"] for f in found["features"]) == sorted(children)
    assert client.get("/api/v1/shapes?area=220104").status_code == 404
    body = {"type": "FeatureCollection", "features": []}
    assert client.post("/api/v1/shapes/import", json=body,
                       headers={"X-CSRF-Token": client.cookies["fk_csrf"]}).status_code == 403
    admin = as_user("admin")
    answer = admin.post("/api/v1/shapes/import", headers={
        "X-CSRF-Token": admin.cookies["fk_csrf"]}, json={"type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": NANGUAN},
                      "geometry": square(125.4)}, {"type": "Feature"}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == [NANGUAN]
    assert len(answer.json()["errors"]) == 1


def test_import_page_shows_what_was_kept_and_refused(db: Session, as_user: Any) -> None:
    admin: TestClient = as_user("admin")
    assert admin.get("/reports/shapes").status_code == 200
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": NANGUAN}, "geometry": square(125.4)},
        {"type": "Feature", "properties": {"code": "123"}, "geometry": square(125.4)}]})
    page = admin.post("/reports/shapes", data={"csrf_token": admin.cookies["fk_csrf"]},
                      files={"file": ("areas.geojson", data.encode(), "application/json")})
    assert page.status_code == 200
    assert 'id="shape-result"' in page.text
    assert "123" in page.text
    assert db.get(AreaShape, NANGUAN).source == "imported"  # type: ignore[union-attr]
    bad = admin.post("/reports/shapes", data={"csrf_token": admin.cookies["fk_csrf"]},
                     files={"file": ("x.json", b"{not json", "application/json")})
    assert bad.status_code == 400
