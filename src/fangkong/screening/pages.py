"""Screening pages: rounds, coverage, the households not yet visited, follow-ups.

The grid worker's pages (next households, the visit form, the line list) are in
`visit_pages.py`, mounted below this router.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area
from fangkong.areas.queries import list_ancestors
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor
from fangkong.screening import visit_pages
from fangkong.screening.actions import (
    check_round_owner,
    do_close_round,
    do_create_round,
    do_delete_round,
    do_handle_follow_up,
    do_update_round,
)
from fangkong.screening.export import not_visited_workbook
from fangkong.screening.models import ScreeningRound
from fangkong.screening.queries import (
    access_follow_up,
    access_round,
    area_names,
    count_round_visits,
    coverage_of,
    headline_figures,
    list_rounds,
    working_area,
)
from fangkong.screening.schemas import (
    FollowUpHandle,
    FollowUpStatus,
    NotVisitedFilter,
    RoundCreate,
    RoundUpdate,
)
from fangkong.screening.views import (
    follow_up_page,
    local_today,
    not_visited_page,
    not_visited_rows,
)
from fangkong.screening.visit_pages import common
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import form_data, validate
from fangkong.web.pagination import Paging
from fangkong.web.templating import render

router = APIRouter()

RoundReader = Annotated[Principal, Depends(require(Permission.ROUND_READ))]
RoundWriter = Annotated[Principal, Depends(require(Permission.ROUND_WRITE))]
CoverageReader = Annotated[Principal, Depends(require(Permission.COVERAGE_READ))]
FollowUpReader = Annotated[Principal, Depends(require(Permission.FOLLOWUP_READ))]
FollowUpWriter = Annotated[Principal, Depends(require(Permission.FOLLOWUP_WRITE))]
FormData = Annotated[dict[str, object], Depends(form_data)]
CodeQuery = Query(pattern=r"^[0-9]{2,32}$")

DONE = {
    "created": N_("The round has been created."),
    "saved": N_("The changes have been saved."),
    "closed": N_("The round has been closed."),
    "deleted": N_("The round has been deleted."),
    "handled": N_("The follow-up has been marked handled."),
}


def flash_of(request: Request) -> dict[str, Any]:
    message = DONE.get(request.query_params.get("done", "")) or visit_pages.DONE.get(
        request.query_params.get("done", ""))
    return {"flash": request.state.tr.gettext(message)} if message else {}


def error_flash(request: Request, error: DomainError) -> dict[str, Any]:
    return {"flash": request.state.tr.gettext(error.message, **error.params),
            "flash_kind": "error"}


# --- rounds --------------------------------------------------------------------------------


@router.get("/screening")
def rounds_page(request: Request, *, session: DbSession, principal: RoundReader) -> HTMLResponse:
    """The rounds over or inside my area, with their coverage in my part of them."""
    actor = principal.actor
    rounds = list_rounds(session, actor)
    names = area_names(session, [round_.area_code for round_ in rounds])
    return render(request, "screening/rounds.html", common(
        rounds=rounds, figures=headline_figures(session, actor, rounds), area_names=names,
        can_create=actor.can(Permission.ROUND_WRITE), can_visit=actor.can(Permission.VISIT_WRITE),
        **flash_of(request)))


def _round_form(request: Request, values: dict[str, Any], errors: dict[str, str],
                status_code: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "screening/round_new.html",
                  common(values=values, errors=errors, **extra), status_code=status_code)


@router.get("/screening/rounds/new")
def new_round_page(request: Request, *, settings: SettingsDep,
                   principal: RoundWriter) -> HTMLResponse:
    today = local_today(settings.zone)
    return _round_form(request, {"area_code": principal.actor.area_code, "starts_on": today}, {})


@router.post("/screening/rounds/new", response_model=None)
def new_round_submit(request: Request, *, session: DbSession, principal: RoundWriter,
                     form: FormData) -> Response:
    try:
        data = validate(RoundCreate, form)
        round_ = do_create_round(session, actor=principal.actor, data=data)
    except DomainError as error:
        return _round_form(request, form, error.fields, error.status, **error_flash(request, error))
    return RedirectResponse(f"/screening/rounds/{round_.id}?done=created", status_code=303)


def _round_context(session: Session, actor: Actor, round_: ScreeningRound) -> dict[str, Any]:
    area = session.get(Area, round_.area_code)
    return common(
        round=round_, area=area, figures=headline_figures(session, actor, [round_])[round_.id],
        visits=count_round_visits(session, round_.id),
        can_edit=actor.can(Permission.ROUND_WRITE) and actor.sees(round_.area_code),
        can_visit=actor.can(Permission.VISIT_WRITE),
    )


@router.get("/screening/rounds/{round_id}")
def round_page(request: Request, *, session: DbSession, principal: RoundReader,
               round_id: int) -> HTMLResponse:
    round_ = access_round(session, principal.actor, round_id)
    values = {"name": round_.name, "starts_on": round_.starts_on, "ends_on": round_.ends_on}
    return render(request, "screening/round.html", {
        **_round_context(session, principal.actor, round_), "values": values, "errors": {},
        **flash_of(request)})


@router.post("/screening/rounds/{round_id}", response_model=None)
def round_submit(request: Request, *, session: DbSession, principal: RoundWriter, round_id: int,
                 form: FormData) -> Response:
    round_ = access_round(session, principal.actor, round_id)
    try:
        data = validate(RoundUpdate, form)
        do_update_round(session, actor=principal.actor, round_=round_, data=data)
    except DomainError as error:
        return render(request, "screening/round.html", {
            **_round_context(session, principal.actor, round_), "values": form,
            "errors": error.fields, **error_flash(request, error)}, status_code=error.status)
    return RedirectResponse(f"/screening/rounds/{round_id}?done=saved", status_code=303)


@router.post("/screening/rounds/{round_id}/close")
def close_round_submit(session: DbSession, principal: RoundWriter,
                       round_id: int) -> RedirectResponse:
    round_ = access_round(session, principal.actor, round_id)
    do_close_round(session, actor=principal.actor, round_=round_)
    return RedirectResponse(f"/screening/rounds/{round_id}?done=closed", status_code=303)


@router.post("/screening/rounds/{round_id}/delete")
def delete_round_submit(session: DbSession, principal: RoundWriter,
                        round_id: int) -> RedirectResponse:
    round_ = access_round(session, principal.actor, round_id)
    check_round_owner(principal.actor, round_)
    do_delete_round(session, actor=principal.actor, round_=round_)
    return RedirectResponse("/screening?done=deleted", status_code=303)


# --- coverage ------------------------------------------------------------------------------


@router.get("/screening/rounds/{round_id}/coverage")
def coverage_page(request: Request, *, session: DbSession, settings: SettingsDep,
                  principal: CoverageReader, round_id: int,
                  area: Annotated[str | None, CodeQuery] = None) -> HTMLResponse:
    """Coverage of a round in an area: figures, its parts with leaders, workers, days."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    place = working_area(session, actor, round_, area)
    report = coverage_of(session, round_=round_, area=place, today=local_today(settings.zone),
                         with_leaders=actor.can(Permission.LEADER_READ))
    crumbs = [item for item in list_ancestors(session, actor, place)
              if item.code.startswith(round_.area_code)]
    return render(request, "screening/coverage.html", common(
        round=round_, report=report, crumbs=crumbs,
        chart_days=[[str(day.day), day.cumulative] for day in report.days]))


# --- households not yet visited -------------------------------------------------------------


def _not_visited_filter(area: str | None, grid: str | None, outcome: str | None) -> (
        NotVisitedFilter):
    return validate(NotVisitedFilter, {"area": area, "grid": grid, "outcome": outcome or None})


@router.get("/screening/rounds/{round_id}/not-visited")
def not_visited_page_view(
    request: Request, *, session: DbSession, principal: CoverageReader, round_id: int,
    paging: Paging, area: Annotated[str | None, CodeQuery] = None,
    grid: Annotated[str | None, CodeQuery] = None, outcome: str | None = None,
) -> HTMLResponse:
    """不漏一户一人: the households of the area with no visit yet, or none that reached them."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    filters = _not_visited_filter(area, grid, outcome)
    place, page = not_visited_page(session, actor, round_, filters, paging)
    grids = list(session.scalars(select(Area).where(
        Area.code.startswith(place.code), Area.level == "grid").order_by(Area.code).limit(500)))
    return render(request, "screening/not_visited.html", common(
        round=round_, area=place, page=page, filters=filters, grids=grids,
        grid_names={item.code: item.name for item in grids},
        export_query=request.url.query))


@router.get("/screening/rounds/{round_id}/not-visited.xlsx")
def not_visited_export(
    request: Request, *, session: DbSession, settings: SettingsDep, principal: CoverageReader,
    round_id: int, area: Annotated[str | None, CodeQuery] = None,
    grid: Annotated[str | None, CodeQuery] = None, outcome: str | None = None,
) -> Response:
    """The same list as an Excel workbook; audited as an export."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    filters = _not_visited_filter(area, grid, outcome)
    place, rows = not_visited_rows(session, actor, round_, filters)
    names = area_names(session, [row.area_code for row in rows])
    today = local_today(settings.zone)
    content = not_visited_workbook(rows=rows, tr=request.state.tr, round_name=round_.name,
                                   area_name=place.name, area_code=place.code, day=today,
                                   grid_names=names)
    do_audit(session, actor=actor, action=AuditAction.EXPORT, resource="not_visited",
             record_id=round_.id, area_code=place.code,
             detail={**filters.model_dump(), "rows": len(rows)})
    filename = f"not-visited-{round_.id}-{place.code}-{today.isoformat()}.xlsx"
    return Response(content, media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- follow-ups ----------------------------------------------------------------------------


@router.get("/screening/follow-ups")
def follow_ups_page(
    request: Request, *, session: DbSession, principal: FollowUpReader, paging: Paging,
    area: Annotated[str | None, CodeQuery] = None, status: str | None = None,
) -> HTMLResponse:
    """Persons flagged by visits in my area, open ones first."""
    actor = principal.actor
    chosen = status if status in {item.value for item in FollowUpStatus} else None
    page = follow_up_page(session, actor, area=area, status=chosen, params=paging)
    return render(request, "screening/follow_ups.html", common(
        page=page, area=area or "", status=chosen or "", statuses=list(FollowUpStatus),
        can_handle=actor.can(Permission.FOLLOWUP_WRITE), **flash_of(request)))


@router.post("/screening/follow-ups/{follow_up_id}/handle", response_model=None)
def handle_follow_up_submit(*, session: DbSession, principal: FollowUpWriter,
                            follow_up_id: int, form: FormData) -> Response:
    actor = principal.actor
    follow_up = access_follow_up(session, actor, follow_up_id)
    data = validate(FollowUpHandle, form)
    do_handle_follow_up(session, actor=actor, follow_up=follow_up, note=data.note)
    return RedirectResponse("/screening/follow-ups?done=handled", status_code=303)


router.include_router(visit_pages.router)
