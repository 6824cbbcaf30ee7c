"""The dashboard page (its charts read the JSON endpoints) and the import of area outlines."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from fangkong.areas.queries import access_area, list_ancestors
from fangkong.errors import DomainError
from fangkong.i18n import N_, Translator
from fangkong.permissions import Permission
from fangkong.reports.dashboard import TREND_LABELS
from fangkong.reports.shapes import do_import_shapes
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.templating import render

router = APIRouter()

Viewer = Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))]
ShapeWriter = Annotated[Principal, Depends(require(Permission.SHAPE_WRITE))]
AreaQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$")]

JS_LABELS = {
    "map": N_("Map"),
    "trends": N_("Trends"),
    "noShapes": N_("No outlines for these areas yet."),
    "noAlerts": N_("No open alerts."),
    "noLaggards": N_("No areas below."),
    "coverage": N_("Coverage"),
    "overdue": N_("Needing attention"),
    "updated": N_("Updated %(time)s"),
    "failed": N_("Could not refresh; retrying in a minute."),
    "sinceYesterday": N_("since yesterday"),
    "noData": N_("No data"),
    **TREND_LABELS,
}
READ_FAILED = N_("The file is not valid JSON.")


def js_labels(tr: Translator) -> dict[str, str]:
    return {key: tr.gettext(message, "reports") for key, message in JS_LABELS.items()}


@router.get("/reports/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, *, session: DbSession, principal: Viewer,
                   area: AreaQuery = None) -> Response:
    """The dashboard of my area (or one below it); the charts load and refresh themselves."""
    actor = principal.actor
    place = access_area(session, actor, area or actor.area_code)
    return render(request, "reports/dashboard.html", {
        "area": place, "crumbs": list_ancestors(session, actor, place),
        "labels": js_labels(request.state.tr),
        "can_import": actor.can(Permission.SHAPE_WRITE)})


@router.get("/reports/shapes", response_class=HTMLResponse,
            dependencies=[Depends(require(Permission.SHAPE_WRITE))])
def shapes_page(request: Request) -> Response:
    """The form to import area outlines (GeoJSON)."""
    return render(request, "reports/dashboard_shapes.html", {})


@router.post("/reports/shapes", response_class=HTMLResponse)
async def shapes_import(request: Request, *, session: DbSession,
                        principal: ShapeWriter) -> Response:
    """Import the uploaded FeatureCollection; show what was kept and what was refused."""
    form = await request.form()
    upload = form.get("file")
    raw = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        collection = json.loads(raw.decode("utf-8-sig"))
        result = do_import_shapes(session, actor=principal.actor, collection=collection)
    except (ValueError, DomainError) as error:
        message = error.message if isinstance(error, DomainError) else READ_FAILED
        return render(request, "reports/dashboard_shapes.html", {
            "flash": request.state.tr.gettext(message, "reports"), "flash_kind": "error"},
            status_code=400)
    return render(request, "reports/dashboard_shapes.html", {"result": result})
