"""Checkpoint staff register arrivals: one form per group, kept on the same checkpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import FormData, page_router
from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.queries import (
    DISTRICT,
    area_names,
    level_length,
    list_checkpoints,
    list_group,
)
from fangkong.arrivals.registration import check_register_arrivals
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.arrivals.web import error_page_context, group_data, label_helpers, local_input
from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()

ArrivalWriter = Annotated[Principal, Depends(require(Permission.ARRIVAL_WRITE))]


def _page(
    request: Request, session: Session, principal: Principal, *, checkpoint_id: int | None,
    values: dict[str, Any] | None = None, rows: list[dict[str, Any]] | None = None,
    group: str | None = None, error: DomainError | None = None,
) -> HTMLResponse:
    checkpoints = list_checkpoints(session, principal.actor, active_only=True)
    ids = [point.id for point in checkpoints]
    last = list_group(session, principal.actor, group) if group else []
    context: dict[str, Any] = {
        "checkpoints": checkpoints, "values": values or {}, "rows": rows or [{}],
        "checkpoint_id": checkpoint_id if checkpoint_id in ids else (ids[0] if ids else None),
        "last": last, "names": area_names(session, {row.area_code for row in last}),
        "now_local": local_input(utcnow(), request), "errors": {}, "problems": [],
        **label_helpers(),
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/register.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/arrivals/register")
def register_page(
    request: Request, session: DbSession, principal: ArrivalWriter,
    checkpoint: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    group: Annotated[str | None, Query(max_length=24)] = None,
) -> HTMLResponse:
    """The registration form for a queue; after a group, its codes above a fresh form."""
    return _page(request, session, principal, checkpoint_id=checkpoint, group=group)


@router.post("/arrivals/register")
def register_submit(
    request: Request, session: DbSession, settings: SettingsDep, principal: ArrivalWriter,
    form: FormData,
) -> Response:
    """Register the group; on a mistake the form comes back with everything typed kept."""
    data = group_data(form, district_digits=level_length(session, DISTRICT, 6))
    checkpoint_id = _int(data.get("checkpoint_id"))
    values = {**form, "checkpoint_id": checkpoint_id}
    if data.pop("add_row", None):
        return _page(request, session, principal, checkpoint_id=checkpoint_id, values=values,
                     rows=[*data["people"], {}])
    try:
        done = check_register_arrivals(session, actor=principal.actor, settings=settings,
                                       data=validate(ArrivalCreate, data),
                                       source=ArrivalSource.STAFF)
    except DomainError as error:
        return _page(request, session, principal, checkpoint_id=checkpoint_id, values=values,
                     rows=data["people"] or [{}], error=error)
    target = f"/arrivals/register?checkpoint={checkpoint_id}&group={done.group_code}"
    return RedirectResponse(target, status_code=303)


def _int(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None
