"""The grid worker's pages: the next households of my grid, the phone visit form, the line list
for entering paper forms row by row (htmx), and the household picker behind it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.codes import LABELS as REGISTRY_LABELS
from fangkong.registry.codes import Relation
from fangkong.registry.models import Household
from fangkong.scope import Actor
from fangkong.screening.actions import VisitInvalid, do_record_visit
from fangkong.screening.counters import local_noon
from fangkong.screening.entry import (
    all_well,
    fields_at_form_index,
    members_in_order,
    nested_form,
    parse_exceptions,
)
from fangkong.screening.models import ScreeningRound
from fangkong.screening.queries import (
    access_household,
    access_round,
    count_rows,
    get_status,
    household_members,
    page_of,
    search_households_stmt,
    to_visit_stmt,
    visits_stmt,
    working_area,
)
from fangkong.screening.schemas import LABELS, Outcome, Symptom, VisitCreate, label
from fangkong.screening.views import local_today, visit_reads
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging
from fangkong.web.templating import render

router = APIRouter()

VisitWriter = Annotated[Principal, Depends(require(Permission.VISIT_WRITE))]
CodeQuery = Query(pattern=r"^[0-9]{2,32}$")
ALL_WELL = "all_well"
PICKER_LIMIT = 20

DONE = {"visit_saved": N_("The visit has been saved.")}


def relation_label(code: str) -> str:
    return REGISTRY_LABELS.get((Relation, code), code)


def common(**extra: Any) -> dict[str, Any]:
    """What every screening template may use: the labels of stored codes and the choices."""
    return {"label": label, "outcomes": list(Outcome), "symptoms": list(Symptom),
            "labels": LABELS, "relation_label": relation_label, **extra}


def round_household(session: Session, actor: Actor, round_: ScreeningRound,
                    household_id: int) -> Household:
    """A household in the actor's scope and in the round's area; NotFound otherwise."""
    household = access_household(session, actor, household_id)
    if not household.area_code.startswith(round_.area_code):
        raise NotFound()
    return household


# --- the next households -------------------------------------------------------------------


@router.get("/screening/rounds/{round_id}/next")
def next_page(request: Request, *, session: DbSession, principal: VisitWriter, round_id: int,
              paging: Paging, q: str = "",
              area: Annotated[str | None, CodeQuery] = None) -> HTMLResponse:
    """My grid's households to visit: never reached first, then nobody home (revisit); a
    search finds any household of the round to revisit."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    place = working_area(session, actor, round_, area)
    text = q.strip()[:100]
    stmt = (search_households_stmt(actor, round_, text).where(
        Household.area_code.startswith(place.code)) if text else
        to_visit_stmt(round_.id, place.code, revisits=(Outcome.NOBODY_HOME,)))
    rows = page_of(session, stmt, paging)
    page = Page[Any](items=rows, total=count_rows(session, stmt), page=paging.page,
                     size=paging.size)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "screening/next.html", common(
        round=round_, area=place, page=page, q=text,
        flash=request.state.tr.gettext(done) if done else None))


# --- the phone visit form ------------------------------------------------------------------


def _visit_context(session: Session, actor: Actor, round_: ScreeningRound,
                   household: Household) -> dict[str, Any]:
    history = list(session.scalars(visits_stmt(actor, round_.id, household.id).limit(5)))
    return common(round=round_, household=household,
                  members=household_members(session, household.id),
                  status=get_status(session, round_.id, household.id),
                  history=visit_reads(session, history))


@router.get("/screening/rounds/{round_id}/households/{household_id}/visit")
def visit_page(request: Request, *, session: DbSession, principal: VisitWriter, round_id: int,
               household_id: int) -> HTMLResponse:
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    household = round_household(session, actor, round_, household_id)
    return render(request, "screening/visit.html", {
        **_visit_context(session, actor, round_, household), "values": {}, "errors": {}})


def visit_data(items: list[tuple[str, str]], household: Household,
               member_ids: list[int]) -> tuple[dict[str, Any], list[str]]:
    """The form as the schema's data, and the form index of each member line."""
    data = nested_form(items)
    if data.get("outcome") == ALL_WELL:
        data.update(outcome=Outcome.VISITED.value, members={
            str(index): line for index, line in enumerate(all_well(member_ids))})
    elif data.get("outcome") != Outcome.VISITED.value:
        data["members"] = {}
    keys = members_in_order(data)
    data["household_id"] = household.id
    return data, keys


@router.post("/screening/rounds/{round_id}/households/{household_id}/visit",
             response_model=None)
async def visit_submit(request: Request, *, session: DbSession, settings: SettingsDep,
                       principal: VisitWriter, round_id: int, household_id: int) -> Response:
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    household = round_household(session, actor, round_, household_id)
    items = [(key, value) for key, value in (await request.form()).multi_items()
             if isinstance(value, str)]
    member_ids = [person.id for person in household_members(session, household.id)]
    data, keys = visit_data(items, household, member_ids)
    try:
        visit = validate(VisitCreate, data)
        do_record_visit(session, actor=actor, round=round_, household=household,
                        outcome=visit.outcome, members=visit.members, notes=visit.notes,
                        zone=settings.zone)
    except DomainError as error:
        errors = fields_at_form_index(error.fields, keys)
        return render(request, "screening/visit.html", {
            **_visit_context(session, actor, round_, household), "values": nested_form(items),
            "errors": errors, "flash": request.state.tr.gettext(error.message, **error.params),
            "flash_kind": "error"}, status_code=error.status)
    return RedirectResponse(f"/screening/rounds/{round_id}/next?done=visit_saved",
                            status_code=303)


# --- the line list -------------------------------------------------------------------------


@router.get("/screening/rounds/{round_id}/line-list")
def line_list_page(request: Request, *, session: DbSession, settings: SettingsDep,
                   principal: VisitWriter, round_id: int) -> HTMLResponse:
    round_ = access_round(session, principal.actor, round_id)
    values = {"day": local_today(settings.zone).isoformat(), "outcome": Outcome.VISITED.value}
    return render(request, "screening/line_list.html", common(
        round=round_, values=values, errors={}, saved=None))


def resolve_household(session: Session, actor: Actor, round_: ScreeningRound,
                      text: str) -> Household:
    """The one household of the round a typed code or address names."""
    if not text.strip():
        message = N_("Type a household code or address.")
        raise VisitInvalid(message, fields={"household": message})
    rows = list(session.execute(search_households_stmt(actor, round_, text).limit(2)).all())
    exact = [row[0] for row in rows if row[0].code == text.strip()]
    if len(rows) == 1 or exact:
        household: Household = (exact or [rows[0][0]])[0]
        return household
    message = (N_("No household of this round matches.") if not rows else
               N_("Several households match; type the household code."))
    raise VisitInvalid(message, fields={"household": message})


def visit_time(day_text: str, zone: ZoneInfo) -> datetime:
    """Now for today (or no date), else noon of the day written on the paper form."""
    if not day_text:
        return utcnow()
    try:
        day = date.fromisoformat(day_text)
    except ValueError as error:
        message = N_("Write the date as 2020-02-03.")
        raise VisitInvalid(message, fields={"day": message}) from error
    return utcnow() if day == local_today(zone) else local_noon(day, zone)


def record_row(session: Session, actor: Actor, round_: ScreeningRound, values: dict[str, str],
               zone: ZoneInfo) -> tuple[Household, Outcome]:
    """Check and record one line-list row."""
    household = resolve_household(session, actor, round_, values.get("household", ""))
    at = visit_time(values.get("day", ""), zone)
    outcome = values.get("outcome") or ""
    members = values.get("members", "")
    if outcome != Outcome.VISITED.value and members:
        message = N_("Only a visit that reached the household records its members.")
        raise VisitInvalid(message, fields={"members": message})
    lines = parse_exceptions(members, [(person.id, person.name) for person in
                                       household_members(session, household.id)]) \
        if outcome == Outcome.VISITED.value else []
    try:
        visit = validate(VisitCreate, {"household_id": household.id, "outcome": outcome,
                                       "members": lines, "notes": values.get("notes", "")})
        do_record_visit(session, actor=actor, round=round_, household=household,
                        outcome=visit.outcome, members=visit.members, visited_at=at, zone=zone)
    except DomainError as error:
        if any(name.startswith("members.") for name in error.fields):
            error.fields = {"members": next(iter(error.fields.values())), **error.fields}
        raise
    return household, visit.outcome


@router.post("/screening/rounds/{round_id}/line-list", response_model=None)
async def line_list_submit(request: Request, *, session: DbSession, settings: SettingsDep,
                           principal: VisitWriter, round_id: int) -> Response:
    """Save one row; htmx gets the saved row and a fresh one, or the row with its errors."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    form = await request.form()
    values = {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}
    htmx = request.headers.get("hx-request") == "true"
    template = "screening/_line_row.html" if htmx else "screening/line_list.html"
    try:
        household, outcome = record_row(session, actor, round_, values, settings.zone)
    except DomainError as error:
        return render(request, template, common(
            round=round_, values=values, errors=error.fields,
            message=request.state.tr.gettext(error.message, **error.params), saved=None),
            status_code=200 if htmx else error.status)
    saved = {"household": household, "outcome": outcome, "members": values.get("members", "")}
    fresh = {"day": values.get("day", ""), "outcome": Outcome.VISITED.value}
    return render(request, template, common(round=round_, values=fresh, errors={}, saved=saved))


@router.get("/screening/rounds/{round_id}/households/search")
def household_picker(request: Request, *, session: DbSession, principal: VisitWriter,
                     round_id: int, household: str = "") -> HTMLResponse:
    """`<option>`s of the households matching a typed code or address, for the datalist."""
    round_ = access_round(session, principal.actor, round_id)
    text = household.strip()[:100]
    rows = list(session.execute(search_households_stmt(principal.actor, round_, text)
                                .limit(PICKER_LIMIT)).all()) if len(text) >= 2 else []
    return render(request, "screening/_picker.html", common(rows=rows))
