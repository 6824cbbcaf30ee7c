"""The working lists: "to place" (one click starts the measure), and the release list of a
day (release one, or all who meet the rule). Alerts and life support are in `desk_pages.py`."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.arrivals.queries import access_arrival
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.quarantine import desk_pages
from fangkong.quarantine.page_views import common, failed, multi_form
from fangkong.quarantine.placing import do_place_arrival, do_place_follow_up, list_to_place
from fangkong.quarantine.queries import area_names, persons_by_id
from fangkong.quarantine.release import do_release_all_due, release_list
from fangkong.quarantine.schemas import PlaceIn
from fangkong.quarantine.sites import sites_stmt
from fangkong.scope import Actor
from fangkong.screening.queries import access_follow_up
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()
router.include_router(desk_pages.router)

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.QUARANTINE_WRITE))]
COMMUNITY_DIGITS = 12


def _to_place_page(request: Request, session: Session, actor: Actor,
                   error: DomainError | None = None) -> HTMLResponse:
    entries = list_to_place(session, actor)
    groups = [(community, list(rows)) for community, rows in
              groupby(entries, key=lambda entry: entry.community)]
    context = {
        **common(request, actor), "groups": groups, "total": len(entries),
        "names": area_names(session, {entry.area_code for entry in entries} |
                            {community for community, _ in groups}),
        "sites": list(session.scalars(sites_stmt(actor, active_only=True))),
    }
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/to_place.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/to-place")
def to_place_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """People flagged by screening and arrivals whose rule needs a measure, by community."""
    return _to_place_page(request, session, principal.actor)


def _place(request: Request, session: Session, actor: Actor, data: dict[str, Any],
           start: Any) -> Response:
    try:
        with session.begin_nested():
            quarantine = start(validate(PlaceIn, data))
    except DomainError as error:
        return _to_place_page(request, session, actor, error)
    return RedirectResponse(f"/quarantine/{quarantine.id}?done=placed", status_code=303)


@router.post("/quarantine/to-place/arrivals/{arrival_id:int}")
async def place_arrival(request: Request, session: DbSession, principal: Writer,
                        arrival_id: int) -> Response:
    actor = principal.actor
    arrival = access_arrival(session, actor, arrival_id)
    return _place(request, session, actor, await multi_form(request), lambda data: (
        do_place_arrival(session, actor=actor, arrival=arrival, data=data,
                         zone=request.state.tr.zone)))


@router.post("/quarantine/to-place/follow-ups/{follow_up_id:int}")
async def place_follow_up(request: Request, session: DbSession, principal: Writer,
                          follow_up_id: int) -> Response:
    actor = principal.actor
    follow_up = access_follow_up(session, actor, follow_up_id)
    return _place(request, session, actor, await multi_form(request), lambda data: (
        do_place_follow_up(session, actor=actor, follow_up=follow_up, data=data,
                           zone=request.state.tr.zone)))


# --- the release list -----------------------------------------------------------------------


def _day(request: Request, value: str | None) -> date:
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            message = N_("The date is not in a known form, such as 2020-02-03.")
            raise Invalid(message, fields={"day": message}) from None
    return datetime.now(request.state.tr.zone).date()


def _release_page(request: Request, session: Session, actor: Actor, day: date, *,
                  released: int | None = None, error: DomainError | None = None) -> HTMLResponse:
    verdicts = release_list(session, actor, day, zone=request.state.tr.zone)
    context = {
        **common(request, actor), "day": day, "verdicts": verdicts,
        "persons": persons_by_id(session, [verdict.quarantine.person_id for verdict in verdicts]),
        "names": area_names(session, {verdict.quarantine.area_code for verdict in verdicts}),
        "meeting": sum(1 for verdict in verdicts if verdict.meets_rule),
    }
    if released is not None:
        context["flash"] = request.state.tr.ngettext(
            "%(num)d person released.", "%(num)d persons released.", released)
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/release.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/release")
def release_page(request: Request, session: DbSession, principal: Reader,
                 day: Annotated[str | None, Query(max_length=10)] = None) -> HTMLResponse:
    """解除隔离: the day's list (planned end that day or earlier) and the rule's verdict."""
    return _release_page(request, session, principal.actor, _day(request, day))


@router.post("/quarantine/release")
async def release_all(request: Request, session: DbSession, principal: Writer) -> Response:
    """Release everyone of the day's list who meets the rule."""
    data = await multi_form(request)
    day = _day(request, str(data.get("day") or ""))
    try:
        with session.begin_nested():
            done = do_release_all_due(session, actor=principal.actor, day=day,
                                      zone=request.state.tr.zone)
    except DomainError as error:
        return _release_page(request, session, principal.actor, day, error=error)
    return _release_page(request, session, principal.actor, day, released=len(done))
