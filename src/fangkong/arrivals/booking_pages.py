"""错峰返程 pages: the district's daily quota grid (commanders) and the public booking pages
(a person, or a company for its employees), whose confirmation shows only what was booked."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import FormData, page_router
from fangkong.areas.models import Area
from fangkong.arrivals.booking import DayFull, check_book_return, do_cancel_booking, do_set_quota
from fangkong.arrivals.booking import quota_grid as load_grid
from fangkong.arrivals.booking_schemas import BookingCreate, QuotaSet
from fangkong.arrivals.codes import RiskLevel
from fangkong.arrivals.models import ReturnBooking
from fangkong.arrivals.public_pages import open_done, sign_done
from fangkong.arrivals.queries import DISTRICT, level_length
from fangkong.arrivals.registration import public_actor
from fangkong.arrivals.schemas import check_document
from fangkong.arrivals.web import error_page_context, group_data, label_helpers
from fangkong.errors import DomainError, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor, in_scope
from fangkong.web.deps import DbSession, Principal, SettingsDep, client_addr, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()
public = APIRouter()

QuotaWriter = Annotated[Principal, Depends(require(Permission.QUOTA_WRITE))]
GRID_DAYS = 14
LEVELS = [level.value for level in RiskLevel]
SALT = "fangkong.arrivals.booking"
NO_BOOKING = N_("No booked return has this reference and ID number.")


def _districts(session: Session, actor: Actor | None) -> list[Area]:
    """The city's districts (for the public), or those inside a commander's area."""
    stmt = select(Area).where(func.length(Area.code) == level_length(session, DISTRICT, 6))
    if actor is not None:
        stmt = stmt.where(in_scope(Area.code.expression, actor.scope))
    return list(session.scalars(stmt.order_by(Area.code)))


def _grid_page(
    request: Request, session: Session, principal: Principal, *, district: str | None,
    first: date, values: dict[str, Any] | None = None, error: DomainError | None = None,
) -> HTMLResponse:
    districts = _districts(session, principal.actor)
    codes = [area.code for area in districts]
    chosen = district if district in codes else (codes[0] if codes else None)
    days = [first + timedelta(days=offset) for offset in range(GRID_DAYS)]
    grid = load_grid(session, district=chosen, first=days[0], last=days[-1]) if chosen else {}
    context: dict[str, Any] = {
        "districts": districts, "district": chosen, "first": first.isoformat(), "days": days,
        "levels": LEVELS, "grid": grid, "values": values or {}, "errors": {}, "problems": [],
        **label_helpers()}
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/quotas.html", context,
                  status_code=error.status if error is not None else 200)


def _local_today(request: Request) -> date:
    return datetime.now(request.state.tr.zone).date()


@router.get("/arrivals/quotas")
def quotas_page(
    request: Request, session: DbSession, principal: QuotaWriter,
    district: Annotated[str | None, Query(max_length=32)] = None,
    first: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    """A grid of days × origin risk levels of one district's quotas, with places booked."""
    return _grid_page(request, session, principal, district=district,
                      first=first or _local_today(request))


@router.post("/arrivals/quotas")
def quotas_save(
    *, request: Request, session: DbSession, principal: QuotaWriter, form: FormData,
    district: Annotated[str, Query(max_length=32)],
    first: Annotated[date, Query()],
) -> Response:
    """Save every changed cell; nothing is saved when a cell is wrong."""
    try:
        cells = _cells(form, district)
        with session.begin_nested():
            for cell in cells:
                do_set_quota(session, actor=principal.actor, data=cell)
    except DomainError as error:
        return _grid_page(request, session, principal, district=district, first=first,
                          values=form, error=error)
    return RedirectResponse(f"/arrivals/quotas?district={district}&first={first}",
                            status_code=303)


def _cells(form: dict[str, object], district: str) -> list[QuotaSet]:
    cells: list[QuotaSet] = []
    problems: dict[str, str] = {}
    for key, value in form.items():
        head, _, rest = key.partition(".")
        day, _, level = rest.partition(".")
        if head != "quota" or value is None:
            continue
        try:
            cells.append(validate(QuotaSet, {"area_code": district, "day": day,
                                             "risk_level": level, "quota": value}))
        except Invalid as error:
            problems[key] = next(iter(error.fields.values()))
    if problems:
        raise Invalid(fields=problems)
    return cells


def _booking_page(
    request: Request, session: Session, *, values: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None, error: DomainError | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "districts": _districts(session, None), "values": values or {}, "rows": rows or [{}],
        "today": _local_today(request).isoformat(), "alternatives": [], "errors": {},
        "problems": [], **label_helpers()}
    if error is not None:
        context |= error_page_context(request, error)
        context["alternatives"] = error.days if isinstance(error, DayFull) else []
    return render(request, "arrivals/public/booking.html", context,
                  status_code=error.status if error is not None else 200)


@public.get("/public/booking")
def booking_page(request: Request, session: DbSession) -> HTMLResponse:
    """错峰返程: book the day you return to the city."""
    return _booking_page(request, session)


@public.post("/public/booking")
def booking_submit(
    request: Request, session: DbSession, settings: SettingsDep, form: FormData
) -> Response:
    data = group_data(form, district_digits=0)
    data.pop("district_code", None)
    data["district_code"] = form.get("district_code")
    if data.pop("add_row", None):
        return _booking_page(request, session, values=form, rows=[*data["people"], {}])
    try:
        rows = check_book_return(session, actor=public_actor(client_addr(request)),
                                 data=validate(BookingCreate, data),
                                 today=_local_today(request))
    except DomainError as error:
        return _booking_page(request, session, values=form, rows=data["people"] or [{}],
                             error=error)
    token = sign_done(request, settings, SALT, [row.id for row in rows])
    return RedirectResponse(f"/public/booking/done?t={token}", status_code=303)


@public.get("/public/booking/done")
def booking_done(
    request: Request, session: DbSession, settings: SettingsDep,
    t: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    """The references of what was just booked (this browser, 15 minutes)."""
    ids = open_done(request, settings, SALT, t)
    if not ids:
        return render(request, "arrivals/public/expired.html", status_code=410)
    rows = list(session.scalars(select(ReturnBooking).where(ReturnBooking.id.in_(ids[:50]))
                                .order_by(ReturnBooking.id)))
    return render(request, "arrivals/public/booking_done.html", {"rows": rows, **label_helpers()})


@public.get("/public/booking/cancel")
def cancel_page(request: Request) -> HTMLResponse:
    return render(request, "arrivals/public/booking_cancel.html", {"values": {}, "errors": {},
                                                          "problems": []})


@public.post("/public/booking/cancel")
def cancel_submit(request: Request, session: DbSession, form: FormData) -> HTMLResponse:
    """Cancel by reference and ID number; the place goes back to the day's quota."""
    reference = str(form.get("reference") or "")[:16]
    try:
        number = check_document("resident_id", form.get("id_number"))
    except Invalid:
        number = str(form.get("id_number") or "").strip().upper()[:32]
    try:
        do_cancel_booking(session, actor=public_actor(client_addr(request)),
                          reference=reference, id_number=number)
    except NotFound:
        error = NotFound(NO_BOOKING, fields={"id_number": NO_BOOKING})
        return render(request, "arrivals/public/booking_cancel.html", {
            "values": {"reference": reference}, **error_page_context(request, error)},
            status_code=404)
    return render(request, "arrivals/public/booking_cancel.html", {"values": {}, "errors": {},
                                                          "problems": [], "done": True})
