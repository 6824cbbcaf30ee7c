"""Area outlines for the dashboard's map: simple generated boxes for the demo city, or real
boundaries imported as a GeoJSON FeatureCollection (one feature per area, its code in a
property `code`, `adcode` or `区划代码`)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area
from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.reports.models import AreaShape
from fangkong.scope import Actor, in_scope

Box = tuple[float, float, float, float]
"""west, south, east, north (degrees)."""
CITY_BOX: Box = (124.9, 43.5, 125.7, 44.3)
"""Around Changchun (长春, ~125.3°E 43.9°N)."""
CODE_KEYS = ("code", "adcode", "区划代码")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MARGIN = 0.04
"""The part of a cell left empty on each side, so neighbouring outlines do not touch."""


def _cells(box: Box, count: int) -> list[Box]:
    """`count` boxes subdividing `box` in a near-square grid, row by row from the north-west."""
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    west, south, east, north = box
    width, height = (east - west) / columns, (north - south) / rows
    cells = []
    for index in range(count):
        column, row = index % columns, index // columns
        left, top = west + column * width, north - row * height
        cells.append((left + width * MARGIN, top - height * (1 - MARGIN),
                      left + width * (1 - MARGIN), top - height * MARGIN))
    return cells


def box_polygon(box: Box) -> dict[str, Any]:
    west, south, east, north = (round(value, 6) for value in box)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _save(session: Session, code: str, geometry: dict[str, Any], source: str) -> None:
    shape = session.get(AreaShape, code)
    if shape is None:
        session.add(AreaShape(area_code=code, geometry=geometry, source=source))
    else:
        shape.geometry, shape.source = geometry, source


def do_generate_demo_shapes(session: Session, city_code: str = "2201") -> int:
    """A box for every area of the city, each level subdividing its parent's box among its
    children (by code); deterministic. Imported outlines are kept. Answers the count written."""
    stmt = select(Area.code, Area.parent_code).where(in_scope(Area.code.expression, city_code))
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in session.execute(stmt.order_by(Area.code)):
        if code != city_code and parent:
            children[parent].append(code)
    imported = set(session.scalars(select(AreaShape.area_code).where(
        AreaShape.source == "imported", in_scope(AreaShape.area_code.expression, city_code))))
    boxes: dict[str, Box] = {city_code: CITY_BOX}
    queue = [city_code]
    while queue:
        parent = queue.pop()
        for code, box in zip(children[parent], _cells(boxes[parent], len(children[parent])),
                             strict=True):
            boxes[code] = box
            queue.append(code)
    for code, box in boxes.items():
        if code not in imported:
            _save(session, code, box_polygon(box), "generated")
    session.flush()
    return len(boxes) - len(imported & boxes.keys())


# --- import ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ShapeImport:
    """What an import kept, and why each refused feature was refused."""

    imported: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def feature_code(feature: dict[str, Any]) -> str:
    properties = feature.get("properties") or {}
    for key in CODE_KEYS:
        value = properties.get(key) if isinstance(properties, dict) else None
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _position_ok(position: Any) -> bool:
    return (isinstance(position, list) and len(position) >= 2
            and all(isinstance(value, int | float) and not isinstance(value, bool)
                    for value in position[:2])
            and -180 <= position[0] <= 180 and -90 <= position[1] <= 90)


def _ring_ok(ring: Any) -> bool:
    return (isinstance(ring, list) and len(ring) >= 4 and all(map(_position_ok, ring))
            and ring[0][:2] == ring[-1][:2])


def _polygon_ok(polygon: Any) -> bool:
    return isinstance(polygon, list) and len(polygon) >= 1 and all(map(_ring_ok, polygon))


def geometry_ok(geometry: Any) -> bool:
    """A GeoJSON Polygon or MultiPolygon with closed rings of valid longitude/latitude."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return False
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        return _polygon_ok(coordinates)
    return isinstance(coordinates, list) and bool(coordinates) and all(
        map(_polygon_ok, coordinates))


def _feature_error(session: Session, actor: Actor, feature: Any) -> tuple[str, str | None]:
    """(code, message id of what is wrong or None)."""
    if not isinstance(feature, dict):
        return "", N_("Not a GeoJSON feature.")
    code = feature_code(feature)
    if not code:
        return code, N_("The feature has no area code (property code, adcode or 区划代码).")
    if session.get(Area, code) is None or not actor.sees(code):
        return code, N_("Unknown area code.")
    if not geometry_ok(feature.get("geometry")):
        return code, N_("The geometry is not a valid Polygon or MultiPolygon.")
    return code, None


def do_import_shapes(session: Session, *, actor: Actor, collection: Any) -> ShapeImport:
    """Keep every good feature's outline (source imported); report the others one by one."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise Invalid(N_("The file is not a GeoJSON FeatureCollection."))
    result = ShapeImport()
    for index, feature in enumerate(collection["features"], start=1):
        code, error = _feature_error(session, actor, feature)
        if error is None:
            _save(session, code, feature["geometry"], "imported")
            result.imported.append(code)
        else:
            result.errors.append({"feature": index, "code": code, "message": error})
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.IMPORT, resource="area_shape",
             record_id=len(result.imported), area_code=actor.area_code,
             detail={"imported": len(result.imported), "refused": len(result.errors)})
    return result


# --- reads -----------------------------------------------------------------------------------


def children_collection(session: Session, area: Area) -> dict[str, Any]:
    """The FeatureCollection of an (authorised) area's children that have an outline."""
    stmt = (select(Area.code, Area.name, AreaShape.geometry)
            .join(AreaShape, AreaShape.area_code == Area.code)
            .where(Area.parent_code == area.code).order_by(Area.code))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}
        for code, name, geometry in session.execute(stmt)]}
