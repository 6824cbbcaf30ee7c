"""Area pages: the tree with search, one area with its parts and leaders, and the import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.areas.actions import (
    do_create_area,
    do_create_leader,
    do_delete_leader,
    do_import_areas,
    do_update_area,
    do_update_leader,
)
from fangkong.areas.importer import read_area_rows, read_upload, rejected_csv, translate_report
from fangkong.areas.models import Area, Leader
from fangkong.areas.queries import (
    access_area,
    access_leader,
    count_children,
    list_children,
    list_roots,
    search_areas,
)
from fangkong.areas.schemas import (
    DUTY_LABELS,
    AreaCreate,
    AreaUpdate,
    ImportReport,
    LeaderCreate,
    LeaderUpdate,
)
from fangkong.areas.views import area_page_context, level_namer
from fangkong.errors import DomainError, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import form_data, validate
from fangkong.web.templating import render

router = page_router()

AreaReader = Annotated[Principal, Depends(require(Permission.AREA_READ))]
AreaWriter = Annotated[Principal, Depends(require(Permission.AREA_WRITE))]
LeaderWriter = Annotated[Principal, Depends(require(Permission.LEADER_WRITE))]
FormData = Annotated[dict[str, object], Depends(form_data)]
LEADER_TEXT = ("title", "phone", "notes")

DONE = {
    "saved": N_("The changes have been saved."),
    "added": N_("The area has been added."),
    "leader_added": N_("The leader has been added."),
    "leader_saved": N_("The leader has been saved."),
    "leader_removed": N_("The leader has been removed."),
}


def _done(request: Request) -> dict[str, Any]:
    message = DONE.get(request.query_params.get("done", ""))
    return {"flash": request.state.tr.gettext(message)} if message else {}


def _error(request: Request, error: DomainError) -> dict[str, Any]:
    message = request.state.tr.gettext(error.message, **error.params)
    return {"flash": message, "flash_kind": "error"}


def _fragment(request: Request, target: str) -> bool:
    """An htmx request that replaces the element with this id."""
    return request.headers.get("hx-request") == "true" and request.headers.get(
        "hx-target") == target


@router.get("/areas")
def tree_page(
    request: Request, session: DbSession, principal: AreaReader, q: str = ""
) -> HTMLResponse:
    """The tree from the caller's own area, or search results when a text is given."""
    actor = principal.actor
    text = q.strip()[:50]
    context = _tree_context(session, actor, text, request)
    if _fragment(request, "area-results"):
        return render(request, "areas/_results.html", context)
    return render(request, "areas/tree.html", context)


def _tree_context(session: Session, actor: Actor, text: str, request: Request) -> dict[str, Any]:
    areas = search_areas(session, actor, text) if text else list_roots(session, actor)
    return {
        "q": text, "areas": areas, "level_name": level_namer(session, request.state.tr),
        "child_counts": count_children(session, [area.code for area in areas]),
        "can_import": actor.can(Permission.AREA_WRITE),
    }


@router.get("/areas/import", dependencies=[Depends(require(Permission.AREA_WRITE))])
def import_page(request: Request) -> HTMLResponse:
    return render(request, "areas/import.html", {"report": None})


@router.post("/areas/import")
async def import_submit(
    request: Request, session: DbSession, principal: AreaWriter,
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    """Import the uploaded file; show the counts and every rejected row with its reason."""
    try:
        rows = read_area_rows(await read_upload(file), file.filename or "")
    except Invalid as error:
        return render(request, "areas/import.html", {"report": None, **_error(request, error)},
                      status_code=error.status)
    report = do_import_areas(session, actor=principal.actor, rows=rows)
    report = translate_report(report, request.state.tr)
    return render(request, "areas/import.html", {
        "report": report, "filename": file.filename,
        "report_json": report.model_dump_json(include={"rejected"}),
    })


@router.post("/areas/import/rejected.csv",
             dependencies=[Depends(require(Permission.AREA_WRITE))])
def rejected_download(form: FormData) -> Response:
    """The rejected rows of an import just shown, as CSV with a reason column."""
    try:
        report = ImportReport.model_validate_json(str(form.get("report") or "{}"))
    except ValidationError as error:
        raise Invalid() from error
    return Response(rejected_csv(report), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="rejected-rows.csv"'})


@router.get("/areas/{code}/children")
def children_fragment(
    request: Request, session: DbSession, principal: AreaReader, code: str
) -> HTMLResponse:
    """The nodes below an area, for expanding the tree in place."""
    areas = list_children(session, principal.actor, code)
    return render(request, "areas/_nodes.html", {
        "areas": areas, "level_name": level_namer(session, request.state.tr),
        "child_counts": count_children(session, [area.code for area in areas]),
    })


@router.get("/areas/{code}")
def area_page(
    request: Request, session: DbSession, principal: AreaReader, code: str
) -> HTMLResponse:
    area = access_area(session, principal.actor, code)
    return _render_area(request, session, principal.actor, area, _done(request))


def _render_area(
    request: Request, session: Session, actor: Actor, area: Area,
    extra: dict[str, Any] | None = None, *, status_code: int = 200,
) -> HTMLResponse:
    context = area_page_context(session, actor, area, request.state.tr)
    context.update(extra or {})
    return render(request, "areas/area.html", context, status_code=status_code)


def _form_failed(
    request: Request, session: Session, actor: Actor, area: Area, *, form: str,
    values: dict[str, object], error: DomainError,
) -> HTMLResponse:
    """The area page again with the failed form's values and its errors next to the fields."""
    extra = {form: {"values": values, "errors": error.fields}, **_error(request, error)}
    return _render_area(request, session, actor, area, extra, status_code=error.status)


@router.post("/areas/{code}")
def area_submit(
    request: Request, session: DbSession, principal: AreaWriter, code: str, form: FormData
) -> Response:
    """Rename the area or change its population."""
    actor = principal.actor
    area = access_area(session, actor, code)
    values = {"name": form.get("name"), "population": form.get("population")}
    try:
        do_update_area(session, actor=actor, area=area, data=validate(AreaUpdate, values))
    except DomainError as error:
        return _form_failed(request, session, actor, area, form="area_form", values=values,
                            error=error)
    return RedirectResponse(f"/areas/{area.code}?done=saved", status_code=303)


@router.post("/areas/{code}/children")
def child_submit(
    request: Request, session: DbSession, principal: AreaWriter, code: str, form: FormData
) -> Response:
    """Add an area right below this one, at the next level."""
    actor = principal.actor
    area = access_area(session, actor, code)
    context = area_page_context(session, actor, area, request.state.tr)
    child_level = context["child_level"]
    values = {key: form.get(key) for key in ("code", "name", "population")}
    data = {**values, "level": child_level.key if child_level else "", "parent_code": area.code}
    try:
        child = do_create_area(session, actor=actor, data=validate(AreaCreate, data))
    except DomainError as error:
        return _form_failed(request, session, actor, area, form="child_form", values=values,
                            error=error)
    return RedirectResponse(f"/areas/{child.code}?done=added", status_code=303)


@router.post("/areas/{code}/leaders")
def leader_add(
    request: Request, session: DbSession, principal: LeaderWriter, code: str, form: FormData
) -> Response:
    actor = principal.actor
    area = access_area(session, actor, code)
    values = _leader_values(form)
    try:
        data = validate(LeaderCreate, {**values, "area_code": area.code})
        do_create_leader(session, actor=actor, data=data)
    except DomainError as error:
        return _form_failed(request, session, actor, area, form="leader_form", values=values,
                            error=error)
    return RedirectResponse(f"/areas/{area.code}?done=leader_added#leaders", status_code=303)


def _leader_values(form: dict[str, object]) -> dict[str, object]:
    """The leader fields of a form; a blank title, phone or notes is an empty text."""
    values = {key: form.get(key) for key in ("name", "duty", *LEADER_TEXT)}
    return {key: "" if value is None and key in LEADER_TEXT else value
            for key, value in values.items()}


def _area_leader(session: Session, actor: Actor, code: str, leader_id: int) -> Leader:
    """A leader of this very area, inside the actor's scope; NotFound otherwise."""
    leader = access_leader(session, actor, leader_id)
    if leader.area_code != code:
        raise NotFound()
    return leader


@router.get("/areas/{code}/leaders/{leader_id}")
def leader_page(
    request: Request, session: DbSession, principal: LeaderWriter, code: str, leader_id: int
) -> HTMLResponse:
    """The form to change one leader."""
    leader = _area_leader(session, principal.actor, code, leader_id)
    area = access_area(session, principal.actor, code)
    values = {key: getattr(leader, key) for key in ("name", "duty", *LEADER_TEXT)}
    return render(request, "areas/leader.html", {
        "area": area, "leader": leader, "values": values, "errors": {},
        "duties": DUTY_LABELS,
    })


@router.post("/areas/{code}/leaders/{leader_id}")
def leader_submit(
    request: Request, session: DbSession, principal: LeaderWriter, *, code: str, leader_id: int,
    form: FormData,
) -> Response:
    actor = principal.actor
    leader = _area_leader(session, actor, code, leader_id)
    values = _leader_values(form)
    try:
        do_update_leader(session, actor=actor, leader=leader,
                         data=validate(LeaderUpdate, values))
    except DomainError as error:
        area = access_area(session, actor, code)
        return render(request, "areas/leader.html", {
            "area": area, "leader": leader, "values": values, "errors": error.fields,
            "duties": DUTY_LABELS, **_error(request, error)}, status_code=error.status)
    return RedirectResponse(f"/areas/{code}?done=leader_saved#leaders", status_code=303)


@router.post("/areas/{code}/leaders/{leader_id}/delete")
def leader_delete(
    session: DbSession, principal: LeaderWriter, code: str, leader_id: int
) -> Response:
    leader = _area_leader(session, principal.actor, code, leader_id)
    do_delete_leader(session, actor=principal.actor, leader=leader)
    return RedirectResponse(f"/areas/{code}?done=leader_removed#leaders", status_code=303)
