"""The personal check page (no account): the link opens only that person's check form and
life-support request. It shows the person's masked name and today's windows, nothing else. A
revoked link, or the link of a person no longer under quarantine, answers a clear "no longer
valid" page (410); an unknown link 404; neither shows any data."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.quarantine.checks import LinkGone, link_actor, quarantine_by_link
from fangkong.quarantine.models import HealthCheck, Quarantine
from fangkong.quarantine.page_views import form_of, multi_form
from fangkong.quarantine.schemas import CheckIn, SupportCreate
from fangkong.quarantine.submit import submit_self_check
from fangkong.quarantine.support import do_request_support
from fangkong.quarantine.views import label_helpers
from fangkong.quarantine.windows import CheckPolicy
from fangkong.registry.models import Person
from fangkong.web.deps import DbSession, SettingsDep, client_addr
from fangkong.web.forms import validate
from fangkong.web.templating import render
from fangkong.web.units import run_unit

router = APIRouter()

DONE = {"check", "late", "alert", "support"}


def masked_name(name: str) -> str:
    """张** : the surname and a star per other character."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _gone(request: Request, error: NotFound) -> HTMLResponse:
    return render(request, "quarantine/public_check_gone.html",
                  {"gone": isinstance(error, LinkGone)}, status_code=error.status)


def _today_windows(session: Session, quarantine: Quarantine, zone: Any) -> list[dict[str, Any]]:
    """Today's windows and whether a check is in each (taken through any channel)."""
    policy = CheckPolicy.load(session)
    now = utcnow()
    today = now.astimezone(zone).date()
    done = set(session.scalars(select(HealthCheck.window).where(
        HealthCheck.quarantine_id == quarantine.id, HealthCheck.day == today)))
    current = policy.slot(now, zone)
    return [{"label": f"{window.start:%H:%M}–{window.end:%H:%M}", "done": window.index in done,
             "now": current.inside and current.day == today and current.window == window.index}
            for window in policy.windows]


def _page(request: Request, session: Session, token: str, quarantine: Quarantine, *,
          forms: dict[str, Any] | None = None, error: DomainError | None = None) -> HTMLResponse:
    person = session.get(Person, quarantine.person_id)
    done = request.query_params.get("done", "")
    context = {
        **label_helpers(), "token": token, "name": masked_name(person.name if person else ""),
        "windows": _today_windows(session, quarantine, request.state.tr.zone),
        "planned_end": quarantine.planned_end, "forms": forms or {},
        "done": done if done in DONE else "", "error": error,
    }
    return render(request, "quarantine/public_check.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/public/check/{check_token}")
def check_page(request: Request, session: DbSession, check_token: str) -> HTMLResponse:
    """The person's own check form."""
    try:
        quarantine = quarantine_by_link(session, check_token)
    except NotFound as error:
        return _gone(request, error)
    return _page(request, session, check_token, quarantine)


@router.post("/public/check/{check_token}")
async def check_submit(request: Request, session: DbSession, settings: SettingsDep,
                       check_token: str) -> Response:
    """Record the person's check (the same short path as the staff API)."""
    data = await multi_form(request, "symptoms")
    try:
        done = await run_unit(request, partial(submit_self_check, request, session, settings,
                                               token=check_token, data=validate(CheckIn, data)))
    except NotFound as error:
        return _gone(request, error)
    except DomainError as error:
        try:
            quarantine = quarantine_by_link(session, check_token)
        except NotFound as gone:
            return _gone(request, gone)
        return _page(request, session, check_token, quarantine,
                     forms={"check": form_of(data, error)}, error=error)
    outcome = "alert" if done.alert else ("check" if not done.outside_window else "late")
    return RedirectResponse(f"/public/check/{check_token}?done={outcome}", status_code=303)


@router.post("/public/check/{check_token}/support")
async def support_submit(request: Request, session: DbSession, check_token: str) -> Response:
    """A life-support request from the person (food, medicine, utilities, garbage …)."""
    data = await multi_form(request)
    try:
        quarantine = quarantine_by_link(session, check_token)
    except NotFound as error:
        return _gone(request, error)
    try:
        with session.begin_nested():
            do_request_support(session, actor=link_actor(quarantine, client_addr(request)),
                               quarantine=quarantine, data=validate(SupportCreate, data),
                               zone=request.state.tr.zone, by_person=True)
    except DomainError as error:
        return _page(request, session, check_token, quarantine,
                     forms={"support": form_of(data, error)}, error=error)
    return RedirectResponse(f"/public/check/{check_token}?done=support", status_code=303)
