"""Public pages, no account: self-registration on arrival (from a checkpoint's QR code, or
back in the city already) and the place picker. They show nothing about anyone else: the
confirmation opens only right after the submission, in the same browser, for 15 minutes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import FormData
from fangkong.areas.models import Area
from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.queries import (
    COMMUNITY,
    DISTRICT,
    area_names,
    get_checkpoint_by_token,
    level_length,
)
from fangkong.arrivals.registration import check_register_arrivals, public_actor
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.arrivals.web import error_page_context, group_data, label_helpers, local_input
from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.settings import Settings
from fangkong.web.deps import DbSession, SettingsDep, client_addr
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = APIRouter()

DONE_SECONDS = 15 * 60
PLACES_LIMIT = 20
Token = Annotated[str, Query(alias="t", max_length=400)]


def signer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=salt)


def browser_mark(request: Request) -> str:
    """Ties a confirmation link to the browser that submitted (its CSRF cookie)."""
    return str(request.state.csrf_token)[:16]


def sign_done(request: Request, settings: Settings, salt: str, ids: list[int]) -> str:
    return signer(settings, salt).dumps({"ids": ids, "b": browser_mark(request)})


def open_done(request: Request, settings: Settings, salt: str, token: str) -> list[int] | None:
    """The ids of a confirmation token, if it is genuine, fresh and of this browser."""
    try:
        payload = signer(settings, salt).loads(token, max_age=DONE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("b") != browser_mark(request):
        return None
    ids = payload.get("ids")
    return [int(item) for item in ids] if isinstance(ids, list) else None


@router.get("/public/places")
def places(
    request: Request, session: DbSession,
    q: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """Districts and communities of the city by name or pinyin initials: the picker's list."""
    needle = q.strip()
    found: list[Area] = []
    if needle:
        levels = (level_length(session, DISTRICT, 6), level_length(session, COMMUNITY, 12))
        match = or_(Area.name.contains(needle, autoescape=True),
                    Area.pinyin.startswith(needle.lower(), autoescape=True))
        stmt = select(Area).where(Area.level.in_((DISTRICT, COMMUNITY)), match).order_by(
            Area.code).limit(PLACES_LIMIT)
        found = [area for area in session.scalars(stmt) if len(area.code) in levels]
    parents = area_names(session, {area.code[:n] for area in found for n in (6, 9)})
    options = [(area.code, _place_label(area, parents)) for area in found]
    return render(request, "arrivals/_place_options.html", {"places": options})


def _place_label(area: Area, parents: dict[str, str]) -> str:
    above = [parents.get(area.code[:n], "") for n in (6, 9) if n < len(area.code)]
    return " ".join([*filter(None, above), area.name])


def _form_page(
    request: Request, *, checkpoint: Checkpoint | None, values: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None, error: DomainError | None = None,
) -> HTMLResponse:
    action = f"/public/arrive/{checkpoint.public_token}" if checkpoint else "/public/arrive"
    context: dict[str, Any] = {
        "checkpoint": checkpoint, "action": action, "values": values or {},
        "rows": rows or [{}], "errors": {}, "problems": [],
        "now_local": local_input(utcnow(), request), **label_helpers(),
    }
    if error is not None:
        context |= error_page_context(request, error)
    return render(request, "arrivals/public/arrive.html", context,
                  status_code=error.status if error is not None else 200)


def _checkpoint(session: Session, token: str) -> Checkpoint:
    checkpoint = get_checkpoint_by_token(session, token)
    if checkpoint is None:
        raise NotFound()
    return checkpoint


@router.get("/public/arrive")
def arrive_page(request: Request) -> HTMLResponse:
    """返长人员主动登记: for people already in the city."""
    return _form_page(request, checkpoint=None)


@router.get("/public/arrive/done")
def arrive_done(
    request: Request, session: DbSession, settings: SettingsDep, t: Token = "",
) -> HTMLResponse:
    """The confirmation the traveller shows: codes, names and masked ID numbers only."""
    ids = open_done(request, settings, "fangkong.arrivals.done", t)
    if not ids:
        return render(request, "arrivals/public/expired.html", status_code=410)
    rows = list(session.scalars(select(Arrival).where(Arrival.id.in_(ids[:50])).order_by(
        Arrival.id)))
    point = session.get(Checkpoint, rows[0].checkpoint_id) if rows and rows[0].checkpoint_id \
        else None
    again = f"/public/arrive/{point.public_token}" if point and point.active else "/public/arrive"
    return render(request, "arrivals/public/arrive_done.html",
                  {"rows": rows, "again": again, **label_helpers()})


@router.get("/public/arrive/{token}")
def arrive_at_checkpoint(request: Request, session: DbSession, token: str) -> HTMLResponse:
    """The page a checkpoint's QR code opens."""
    return _form_page(request, checkpoint=_checkpoint(session, token))


@router.post("/public/arrive")
def arrive_submit(
    request: Request, session: DbSession, settings: SettingsDep, form: FormData
) -> Response:
    return _submit(request, session, settings, form, checkpoint=None)


@router.post("/public/arrive/{token}")
def arrive_at_checkpoint_submit(
    request: Request, session: DbSession, settings: SettingsDep, form: FormData, token: str
) -> Response:
    return _submit(request, session, settings, form, checkpoint=_checkpoint(session, token))


def _submit(
    request: Request, session: Session, settings: Settings, form: dict[str, object], *,
    checkpoint: Checkpoint | None,
) -> Response:
    """Register the traveller's group (rate-limited per address), then the confirmation."""
    data = group_data(form, district_digits=level_length(session, DISTRICT, 6))
    data.pop("checkpoint_id", None)
    if data.pop("add_row", None):
        return _form_page(request, checkpoint=checkpoint, values=form,
                          rows=[*data["people"], {}])
    try:
        done = check_register_arrivals(
            session, actor=public_actor(client_addr(request)), settings=settings,
            data=validate(ArrivalCreate, data), source=ArrivalSource.SELF, checkpoint=checkpoint)
    except DomainError as error:
        return _form_page(request, checkpoint=checkpoint, values=form,
                          rows=data["people"] or [{}], error=error)
    token = sign_done(request, settings, "fangkong.arrivals.done",
                      [row.id for row in done.arrivals])
    return RedirectResponse(f"/public/arrive/done?t={token}", status_code=303)
