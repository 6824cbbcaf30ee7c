"""The community's queue of arrivals, the overdue list of the commanders, one arrival with
its contact (已对接) and routing forms, and the expected returns of a day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import FormData, page_router
from fangkong.arrivals.codes import STATUS_LABELS
from fangkong.arrivals.handling import do_confirm_contact, do_route_arrival
from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.queries import access_arrival, area_names, arrivals_stmt, bookings_stmt
from fangkong.arrivals.schemas import ArrivalFilter, ContactIn, RouteIn
from fangkong.arrivals.views import do_audit_view, identifies
from fangkong.arrivals.web import error_page_context, label_helpers
from fangkong.db import utcnow
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.settings import Settings
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging, paginate
from fangkong.web.templating import render

router = page_router()

ArrivalReader = Annotated[Principal, Depends(require(Permission.ARRIVAL_READ))]
ArrivalContact = Annotated[Principal, Depends(require(Permission.ARRIVAL_CONTACT))]
BookingReader = Annotated[Principal, Depends(require(Permission.BOOKING_READ))]
ArrivalId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Annotated[str | None, Query(max_length=16)]
Search = Annotated[str | None, Query(max_length=50)]


def _list_page(
    request: Request, session: Session, settings: Settings, principal: Principal, *,
    paging: Any, filters: ArrivalFilter, kind: str, title: str,
) -> HTMLResponse:
    rows, total = paginate(session, arrivals_stmt(principal.actor, filters, settings), paging)
    page = Page[Any](items=rows, total=total, page=paging.page, size=paging.size)
    return render(request, "arrivals/queue.html", {
        "page": page, "filters": filters, "kind": kind, "title": request.state.tr.gettext(title),
        "statuses": STATUS_LABELS, "now": utcnow(),
        "names": area_names(session, {row.area_code for row in rows}), **label_helpers()})


def _filters(status: str | None, q: str | None, *, overdue: bool = False) -> ArrivalFilter:
    try:
        return validate(ArrivalFilter, {"status": status or None, "q": q or None,
                                        "overdue": overdue or None})
    except Invalid:
        return ArrivalFilter(overdue=overdue or None)


@router.get("/arrivals/queue")
def queue_page(
    *, request: Request, session: DbSession, settings: SettingsDep, principal: ArrivalReader,
    paging: Paging, status: Status = None, q: Search = None,
) -> HTMLResponse:
    """Arrivals for the caller's area: waiting for contact first, by deadline."""
    return _list_page(request, session, settings, principal, paging=paging,
                      filters=_filters(status, q),
                      kind="queue", title=N_("Arrivals"))


@router.get("/arrivals/overdue")
def overdue_page(
    *, request: Request, session: DbSession, settings: SettingsDep, principal: ArrivalReader,
    paging: Paging, q: Search = None,
) -> HTMLResponse:
    """Arrivals nobody has contacted by the deadline, for the street and district commanders."""
    return _list_page(request, session, settings, principal, paging=paging,
                      filters=_filters(None, q, overdue=True), kind="overdue",
                      title=N_("Overdue arrivals"))


def _arrival_page(
    request: Request, session: Session, principal: Principal, row: Arrival,
    error: DomainError | None = None,
) -> HTMLResponse:
    point = session.get(Checkpoint, row.checkpoint_id) if row.checkpoint_id else None
    context: dict[str, Any] = {
        "row": row, "identified": identifies(principal.actor),
        "checkpoint": point.name if point else "",
        "area_name": area_names(session, {row.area_code}).get(row.area_code, row.area_code),
        "can_contact": principal.actor.can(Permission.ARRIVAL_CONTACT), "errors": {},
        "problems": [], **label_helpers(),
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/arrival.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/arrivals/expected")
def expected_page(
    request: Request, session: DbSession, principal: BookingReader, paging: Paging,
    day: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    """The returns booked to the caller's area for a day (错峰返程)."""
    chosen = day or datetime.now(request.state.tr.zone).date()
    rows, total = paginate(session, bookings_stmt(principal.actor, chosen), paging)
    return render(request, "arrivals/expected.html", {
        "page": Page[Any](items=rows, total=total, page=paging.page, size=paging.size),
        "day": chosen.isoformat(), "can_quota": principal.actor.can(Permission.QUOTA_WRITE),
        **label_helpers()})


@router.get("/arrivals/{arrival_id:int}")
def arrival_page(
    request: Request, session: DbSession, principal: ArrivalReader, arrival_id: ArrivalId
) -> HTMLResponse:
    """One arrival; its full ID number and phone for those who may identify (audited)."""
    row = access_arrival(session, principal.actor, arrival_id)
    do_audit_view(session, actor=principal.actor, arrival=row)
    return _arrival_page(request, session, principal, row)


@router.post("/arrivals/{arrival_id:int}/contact")
def arrival_contact(
    request: Request, session: DbSession, principal: ArrivalContact, form: FormData,
    arrival_id: ArrivalId,
) -> Response:
    row = access_arrival(session, principal.actor, arrival_id)
    try:
        do_confirm_contact(session, actor=principal.actor, arrival=row,
                           data=validate(ContactIn, form))
    except DomainError as error:
        return _arrival_page(request, session, principal, row, error)
    return RedirectResponse("/arrivals/queue", status_code=303)


@router.post("/arrivals/{arrival_id:int}/route")
def arrival_route(
    *, request: Request, session: DbSession, settings: SettingsDep, principal: ArrivalContact,
    form: FormData, arrival_id: ArrivalId,
) -> Response:
    row = access_arrival(session, principal.actor, arrival_id)
    try:
        do_route_arrival(session, actor=principal.actor, settings=settings, arrival=row,
                         data=validate(RouteIn, form))
    except DomainError as error:
        return _arrival_page(request, session, principal, row, error)
    return RedirectResponse("/arrivals/queue", status_code=303)
