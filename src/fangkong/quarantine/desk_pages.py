"""The desks of the community and the levels above: alerts (预警) with acknowledgement and what
was done, and life-support requests (生活保障) with assignment, delivery and cancellation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.db import utcnow
from fangkong.errors import DomainError, Invalid
from fangkong.permissions import Permission
from fangkong.quarantine.alerts import access_alert, alerts_stmt, do_acknowledge_alert
from fangkong.quarantine.page_views import common, failed, form_of, multi_form
from fangkong.quarantine.queries import area_names, persons_by_id
from fangkong.quarantine.schemas import (
    AlertAck,
    AlertFilter,
    SupportAssign,
    SupportCancel,
    SupportDeliver,
    SupportFilter,
)
from fangkong.quarantine.support import (
    access_support,
    assignable_users,
    do_assign_support,
    do_cancel_support,
    do_deliver_support,
    is_overdue,
    support_stmt,
)
from fangkong.quarantine.views import sweep_lazily
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging, paginate
from fangkong.web.templating import render

router = page_router()

AlertReader = Annotated[Principal, Depends(require(Permission.ALERT_READ))]
AlertAcker = Annotated[Principal, Depends(require(Permission.ALERT_ACK))]
SupportReader = Annotated[Principal, Depends(require(Permission.SUPPORT_READ))]
SupportWriter = Annotated[Principal, Depends(require(Permission.SUPPORT_WRITE))]


def _alert_filters(request: Request) -> AlertFilter:
    """Open alerts unless asked otherwise (`?status=` empty: every status)."""
    query = request.query_params
    try:
        return validate(AlertFilter, {"status": query.get("status", "open") or None,
                                      "kind": query.get("kind") or None})
    except Invalid:
        return AlertFilter()


def _alerts_page(request: Request, session: Session, actor: Actor, paging: Any, *,
                 forms: dict[str, Any] | None = None,
                 error: DomainError | None = None) -> HTMLResponse:
    filters = _alert_filters(request)
    rows, total = paginate(session, alerts_stmt(actor, filters), paging)
    context = {
        **common(request, actor), "filters": filters,
        "page": Page[Any](items=rows, total=total, page=paging.page, size=paging.size),
        "persons": persons_by_id(session, [row.person_id for row in rows]),
        "names": area_names(session, {row.area_code for row in rows}), "forms": forms or {},
    }
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/alerts.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/alerts")
def alerts_page(request: Request, session: DbSession, principal: AlertReader,
                paging: Paging) -> HTMLResponse:
    """预警 of the caller's area and below: open first, newest first."""
    sweep_lazily(request, session, principal.actor)
    return _alerts_page(request, session, principal.actor, paging)


@router.post("/quarantine/alerts/{alert_id:int}/ack")
async def alert_ack(request: Request, session: DbSession, principal: AlertAcker,
                    paging: Paging, alert_id: int) -> Response:
    data = await multi_form(request)
    data["close"] = data.get("close") == "on"
    alert = access_alert(session, principal.actor, alert_id)
    try:
        with session.begin_nested():
            do_acknowledge_alert(session, actor=principal.actor, alert=alert,
                                 data=validate(AlertAck, data))
    except DomainError as error:
        return _alerts_page(request, session, principal.actor, paging,
                            forms={f"alert-{alert.id}": form_of(data, error)}, error=error)
    back = str(data.get("next") or "")
    target = back if back.startswith("/quarantine/") else "/quarantine/alerts"
    return RedirectResponse(f"{target}?done=acknowledged", status_code=303)


# --- life support ---------------------------------------------------------------------------


def _support_filters(status: str | None, category: str | None, overdue: str | None) -> (
    SupportFilter
):
    try:
        return validate(SupportFilter, {"status": status or None, "category": category or None,
                                        "overdue": overdue or None})
    except Invalid:
        return SupportFilter()


def _support_page(request: Request, session: Session, actor: Actor, paging: Any, *,
                  forms: dict[str, Any] | None = None,
                  error: DomainError | None = None) -> HTMLResponse:
    query = request.query_params
    filters = _support_filters(query.get("status"), query.get("category"), query.get("overdue"))
    now = utcnow()
    rows, total = paginate(session, support_stmt(actor, filters, now), paging)
    context = {
        **common(request, actor), "filters": filters,
        "page": Page[Any](items=rows, total=total, page=paging.page, size=paging.size),
        "overdue": {row.id for row in rows if is_overdue(row, now)},
        "persons": persons_by_id(session, [row.person_id for row in rows if row.person_id]),
        "names": area_names(session, {row.area_code for row in rows}),
        "users": assignable_users(session, actor) if actor.can(Permission.SUPPORT_WRITE)
        else [], "forms": forms or {},
    }
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/support.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/support")
def support_page(request: Request, session: DbSession, principal: SupportReader,
                 paging: Paging) -> HTMLResponse:
    """生活保障 requests: open first, overdue highlighted; filter by status and category."""
    return _support_page(request, session, principal.actor, paging)


async def _support_act(
    request: Request, session: Session, actor: Actor, paging: Any, request_id: int, *,
    schema: type[BaseModel], work: Callable[[Any, Any], object], done: str,
) -> Response:
    data = await multi_form(request)
    row = access_support(session, actor, request_id)
    try:
        with session.begin_nested():
            work(row, validate(schema, data))
    except DomainError as error:
        return _support_page(request, session, actor, paging,
                             forms={f"support-{row.id}": form_of(data, error)}, error=error)
    back = str(data.get("next") or "")
    target = back if back.startswith("/quarantine/") else "/quarantine/support"
    return RedirectResponse(f"{target}?done={done}", status_code=303)


@router.post("/quarantine/support/{support_request_id:int}/assign")
async def support_assign(request: Request, session: DbSession, principal: SupportWriter,
                         paging: Paging, support_request_id: int) -> Response:
    actor = principal.actor
    return await _support_act(
        request, session, actor, paging, support_request_id, schema=SupportAssign,
        done="assigned", work=lambda row, data: do_assign_support(
            session, actor=actor, request=row, data=data))


@router.post("/quarantine/support/{support_request_id:int}/deliver")
async def support_deliver(request: Request, session: DbSession, principal: SupportWriter,
                          paging: Paging, support_request_id: int) -> Response:
    actor = principal.actor
    return await _support_act(
        request, session, actor, paging, support_request_id, schema=SupportDeliver,
        done="delivered", work=lambda row, data: do_deliver_support(
            session, actor=actor, request=row, note=data.note, zone=request.state.tr.zone))


@router.post("/quarantine/support/{support_request_id:int}/cancel")
async def support_cancel(request: Request, session: DbSession, principal: SupportWriter,
                         paging: Paging, support_request_id: int) -> Response:
    actor = principal.actor
    return await _support_act(
        request, session, actor, paging, support_request_id, schema=SupportCancel,
        done="cancelled", work=lambda row, data: do_cancel_support(
            session, actor=actor, request=row, reason=data.reason))
