"""Pages of key areas, arrival rules and checkpoints (with their printable QR codes); the
registration, queue, booking and public pages are mounted below."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import FormData, page_router
from fangkong.areas.models import Area
from fangkong.arrivals import booking_pages, public_pages, queue_pages, register_pages
from fangkong.arrivals.actions import (
    do_add_key_area,
    do_change_key_area_level,
    do_close_key_area,
    do_create_checkpoint,
    do_delete_checkpoint,
    do_renew_checkpoint_token,
    do_set_rule,
    do_update_checkpoint,
)
from fangkong.arrivals.codes import ACTION_LABELS, KEY_LEVELS, KIND_LABELS
from fangkong.arrivals.models import Checkpoint
from fangkong.arrivals.qr import qr_svg
from fangkong.arrivals.queries import (
    access_checkpoint,
    area_names,
    get_key_area,
    list_checkpoints,
    list_key_areas,
)
from fangkong.arrivals.risk import list_rules
from fangkong.arrivals.schemas import (
    CheckpointCreate,
    CheckpointUpdate,
    KeyAreaChange,
    KeyAreaClose,
    KeyAreaCreate,
    RuleUpdate,
)
from fangkong.arrivals.web import error_page_context, label_helpers
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor, in_scope
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()

KeyAreaReader = Annotated[Principal, Depends(require(Permission.KEYAREA_READ))]
KeyAreaWriter = Annotated[Principal, Depends(require(Permission.KEYAREA_WRITE))]
PolicyWriter = Annotated[Principal, Depends(require(Permission.POLICY_WRITE))]
CheckpointReader = Annotated[Principal, Depends(require(Permission.CHECKPOINT_READ))]
CheckpointWriter = Annotated[Principal, Depends(require(Permission.CHECKPOINT_WRITE))]
KeyAreaId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CheckpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _today(request: Request) -> str:
    return datetime.now(request.state.tr.zone).date().isoformat()


def _key_areas_page(
    request: Request, session: Session, principal: Principal, *,
    values: dict[str, object] | None = None, error: DomainError | None = None,
) -> HTMLResponse:
    today = datetime.now(request.state.tr.zone).date()
    context: dict[str, Any] = {
        "current": list_key_areas(session, current_on=today), "history": list_key_areas(session),
        "levels": [level.value for level in KEY_LEVELS], "today": today.isoformat(),
        "values": values or {}, "errors": {}, "problems": [],
        "can_write": principal.actor.can(Permission.KEYAREA_WRITE),
        "can_rules": principal.actor.can(Permission.POLICY_WRITE), **label_helpers(),
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/key_areas.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/arrivals/key-areas")
def key_areas_page(request: Request, session: DbSession, principal: KeyAreaReader) -> HTMLResponse:
    """Key areas in force today, the forms to change them, and their history."""
    return _key_areas_page(request, session, principal)


@router.post("/arrivals/key-areas")
def key_area_add(
    request: Request, session: DbSession, principal: KeyAreaWriter, form: FormData
) -> Response:
    try:
        do_add_key_area(session, actor=principal.actor, data=validate(KeyAreaCreate, form))
    except DomainError as error:
        return _key_areas_page(request, session, principal, values=form, error=error)
    return RedirectResponse("/arrivals/key-areas", status_code=303)


@router.post("/arrivals/key-areas/{key_area_id}/level")
def key_area_level(
    request: Request, session: DbSession, principal: KeyAreaWriter, form: FormData,
    key_area_id: KeyAreaId,
) -> Response:
    row = get_key_area(session, key_area_id)
    try:
        do_change_key_area_level(session, actor=principal.actor, key_area=row,
                                 data=validate(KeyAreaChange, form))
    except DomainError as error:
        return _key_areas_page(request, session, principal, error=error)
    return RedirectResponse("/arrivals/key-areas", status_code=303)


@router.post("/arrivals/key-areas/{key_area_id}/close")
def key_area_close(
    request: Request, session: DbSession, principal: KeyAreaWriter, form: FormData,
    key_area_id: KeyAreaId,
) -> Response:
    row = get_key_area(session, key_area_id)
    try:
        do_close_key_area(session, actor=principal.actor, key_area=row,
                          data=validate(KeyAreaClose, form))
    except DomainError as error:
        return _key_areas_page(request, session, principal, error=error)
    return RedirectResponse("/arrivals/key-areas", status_code=303)


def _rules_page(
    request: Request, session: Session, error: DomainError | None = None
) -> HTMLResponse:
    context: dict[str, Any] = {
        "rules": list_rules(session), "levels": [level.value for level in KEY_LEVELS],
        "actions": ACTION_LABELS, "errors": {}, "problems": [], **label_helpers(),
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/rules.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/arrivals/rules", dependencies=[Depends(require(Permission.POLICY_WRITE))])
def rules_page(request: Request, session: DbSession) -> HTMLResponse:
    """The rule of each risk level (policy data, administrators only)."""
    return _rules_page(request, session)


@router.post("/arrivals/rules")
def rules_save(
    request: Request, session: DbSession, principal: PolicyWriter, form: FormData
) -> Response:
    """Save the rules of all levels at once, or none if any value is wrong."""
    try:
        updates = {level: _rule_of(form, level.value) for level in KEY_LEVELS}
    except Invalid as error:
        return _rules_page(request, session, error)
    for level, data in updates.items():
        do_set_rule(session, actor=principal.actor, risk_level=level, data=data)
    return RedirectResponse("/arrivals/rules", status_code=303)


def _rule_of(form: dict[str, object], level: str) -> RuleUpdate:
    prefix = level + "."
    data = {key[len(prefix):]: value for key, value in form.items() if key.startswith(prefix)}
    data["requires_test"] = "requires_test" in data
    try:
        return validate(RuleUpdate, data)
    except Invalid as error:
        raise Invalid(fields={prefix + key: text for key, text in error.fields.items()}) from None


def _checkpoint_areas(session: Session, actor: Actor) -> list[Area]:
    """Districts and streets inside the actor's area, where checkpoints stand."""
    stmt = (select(Area).where(in_scope(Area.code.expression, actor.scope),
                               func.length(Area.code).in_((6, 9)))
            .order_by(Area.code))
    return list(session.scalars(stmt))


def _checkpoint_page(
    request: Request, session: Session, principal: Principal, *, point: Checkpoint | None,
    values: dict[str, Any], error: DomainError | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "point": point, "values": values, "kinds": KIND_LABELS,
        "areas": _checkpoint_areas(session, principal.actor), "errors": {}, "problems": [],
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/checkpoint.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/arrivals/checkpoints")
def checkpoints_page(
    request: Request, session: DbSession, principal: CheckpointReader
) -> HTMLResponse:
    rows = list_checkpoints(session, principal.actor)
    return render(request, "arrivals/checkpoints.html", {
        "checkpoints": rows, "names": area_names(session, {row.area_code for row in rows}),
        "can_write": principal.actor.can(Permission.CHECKPOINT_WRITE), **label_helpers()})


@router.get("/arrivals/checkpoints/new")
def checkpoint_new(
    request: Request, session: DbSession, principal: CheckpointWriter
) -> HTMLResponse:
    return _checkpoint_page(request, session, principal, point=None, values={})


@router.post("/arrivals/checkpoints/new")
def checkpoint_create(
    request: Request, session: DbSession, principal: CheckpointWriter, form: FormData
) -> Response:
    data = {**form, "active": "active" in form}
    try:
        row = do_create_checkpoint(session, actor=principal.actor,
                                   data=validate(CheckpointCreate, data))
    except DomainError as error:
        return _checkpoint_page(request, session, principal, point=None, values=data,
                                error=error)
    return RedirectResponse(f"/arrivals/checkpoints/{row.id}/qr", status_code=303)


@router.get("/arrivals/checkpoints/{checkpoint_id}")
def checkpoint_page(
    request: Request, session: DbSession, principal: CheckpointWriter,
    checkpoint_id: CheckpointId,
) -> HTMLResponse:
    point = access_checkpoint(session, principal.actor, checkpoint_id)
    values = {key: getattr(point, key) for key in ("name", "kind", "area_code", "address",
                                                   "active")}
    return _checkpoint_page(request, session, principal, point=point, values=values)


@router.post("/arrivals/checkpoints/{checkpoint_id}")
def checkpoint_save(
    request: Request, session: DbSession, principal: CheckpointWriter, form: FormData,
    checkpoint_id: CheckpointId,
) -> Response:
    point = access_checkpoint(session, principal.actor, checkpoint_id)
    data = {**form, "active": "active" in form}
    try:
        do_update_checkpoint(session, actor=principal.actor, checkpoint=point,
                             data=validate(CheckpointUpdate, data))
    except DomainError as error:
        return _checkpoint_page(request, session, principal, point=point, values=data,
                                error=error)
    return RedirectResponse("/arrivals/checkpoints", status_code=303)


@router.post("/arrivals/checkpoints/{checkpoint_id}/renew")
def checkpoint_renew(
    session: DbSession, principal: CheckpointWriter, checkpoint_id: CheckpointId
) -> RedirectResponse:
    point = access_checkpoint(session, principal.actor, checkpoint_id)
    do_renew_checkpoint_token(session, actor=principal.actor, checkpoint=point)
    return RedirectResponse(f"/arrivals/checkpoints/{point.id}/qr", status_code=303)


@router.post("/arrivals/checkpoints/{checkpoint_id}/delete")
def checkpoint_delete(
    request: Request, session: DbSession, principal: CheckpointWriter,
    checkpoint_id: CheckpointId,
) -> Response:
    point = access_checkpoint(session, principal.actor, checkpoint_id)
    try:
        do_delete_checkpoint(session, actor=principal.actor, checkpoint=point)
    except DomainError as error:
        values = {key: getattr(point, key) for key in ("name", "kind", "area_code", "address",
                                                       "active")}
        return _checkpoint_page(request, session, principal, point=point, values=values,
                                error=error)
    return RedirectResponse("/arrivals/checkpoints", status_code=303)


def _qr_page(request: Request, title: str, path: str) -> HTMLResponse:
    url = str(request.base_url).rstrip("/") + path
    return render(request, "arrivals/qr.html", {"title": title, "url": url, "svg": qr_svg(url)})


@router.get("/arrivals/checkpoints/{checkpoint_id}/qr")
def checkpoint_qr(
    request: Request, session: DbSession, principal: CheckpointReader,
    checkpoint_id: CheckpointId,
) -> HTMLResponse:
    """A printable poster with the checkpoint's QR code for self-registration."""
    point = access_checkpoint(session, principal.actor, checkpoint_id)
    return _qr_page(request, point.name, f"/public/arrive/{point.public_token}")


@router.get("/arrivals/qr", dependencies=[Depends(require(Permission.CHECKPOINT_READ))])
def general_qr(request: Request) -> HTMLResponse:
    """返长人员主动登记: the poster for people who are in the city already."""
    return _qr_page(request, request.state.tr.gettext(GENERAL_TITLE), "/public/arrive")


GENERAL_TITLE = N_("Self-registration for people back in the city")

router.include_router(register_pages.router)
router.include_router(booking_pages.router)
router.include_router(queue_pages.router)
router.include_router(public_pages.router)
router.include_router(booking_pages.public)
