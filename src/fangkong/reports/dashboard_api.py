"""The dashboard's JSON endpoints (read by its charts) and the import of area outlines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from fangkong.accounts.schemas import ErrorRead
from fangkong.areas.queries import access_area
from fangkong.permissions import Permission
from fangkong.reports.daily_views import local_today
from fangkong.reports.dashboard import build_dashboard, build_trends
from fangkong.reports.dashboard_schemas import DashboardRead, ShapeImportRead, TrendsRead
from fangkong.reports.shapes import children_collection, do_import_shapes
from fangkong.web.deps import DbSession, Principal, SettingsDep, require

router = APIRouter(tags=["dashboard"])

Viewer = Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))]
ShapeWriter = Annotated[Principal, Depends(require(Permission.SHAPE_WRITE))]
AreaQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$",
                                        description="an area code (default: the caller's)")]
DaysQuery = Annotated[int, Query(ge=7, le=90, description="how many days, today included")]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRead} for status in (401, 403, *statuses)}


@router.get("/dashboard", response_model=DashboardRead, responses=errors(404, 422))
def get_dashboard(request: Request, *, session: DbSession, settings: SettingsDep,
                  principal: Viewer, area: AreaQuery = None) -> DashboardRead:
    """Headline numbers with their change since yesterday, each child area's figures (for the
    map), the laggards with their leaders and the latest open alerts, from the counters."""
    actor = principal.actor
    place = access_area(session, actor, area or actor.area_code)
    return build_dashboard(session, settings, request.state.tr, area=place,
                           day=local_today(settings),
                           with_leaders=actor.can(Permission.LEADER_READ))


@router.get("/dashboard/trends", response_model=TrendsRead, responses=errors(404, 422))
def get_trends(request: Request, *, session: DbSession, settings: SettingsDep,
               principal: Viewer, area: AreaQuery = None, days: DaysQuery = 14) -> TrendsRead:
    """Arrivals, new quarantines, positive results and screening coverage by day."""
    actor = principal.actor
    place = access_area(session, actor, area or actor.area_code)
    return build_trends(session, settings, request.state.tr, area=place,
                        last=local_today(settings), days=days)


@router.get("/shapes", responses=errors(404, 422))
def get_shapes(*, session: DbSession, principal: Viewer,
               area: AreaQuery = None) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the area's children (properties `code`, `name`)."""
    actor = principal.actor
    return children_collection(session, access_area(session, actor, area or actor.area_code))


@router.post("/shapes/import", response_model=ShapeImportRead, responses=errors(400, 422))
def import_shapes(*, session: DbSession, principal: ShapeWriter,
                  collection: Annotated[dict[str, Any], Body()]) -> ShapeImportRead:
    """Import outlines from a FeatureCollection whose features carry the area code in a
    property `code`, `adcode` or `区划代码`; good features are kept, bad ones reported."""
    result = do_import_shapes(session, actor=principal.actor, collection=collection)
    return ShapeImportRead(imported=result.imported, errors=result.errors)
