"""The commander's pages of public notices, rumour rebuttals and the hotline and mailbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.errors import DomainError
from fangkong.permissions import Permission
from fangkong.reports.bulletin_notices import (
    KIND_LABELS,
    NOTICE_STATUS_LABELS,
    access_notice,
    do_create_notice,
    do_publish_notice,
    do_update_notice,
    do_withdraw_notice,
    list_notices,
)
from fangkong.reports.bulletin_schemas import NoticeCreate
from fangkong.reports.models import Notice
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import form_data, validate
from fangkong.web.templating import render

router = APIRouter()

Writer = Annotated[Principal, Depends(require(Permission.BULLETIN_WRITE))]
FormData = Annotated[dict[str, object], Depends(form_data)]


def _context(session: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    return {"notices": list_notices(session, actor), "kind_labels": KIND_LABELS,
            "status_labels": NOTICE_STATUS_LABELS, "values": {}, **extra}


def _failed(request: Request, error: DomainError, context: dict[str, Any],
            template: str) -> Response:
    if error.status == 404:
        raise error
    return render(request, template, {
        **context, "error": error, "flash_kind": "error",
        "flash": request.state.tr.gettext(error.message, "reports")}, status_code=error.status)


@router.get("/reports/notices", response_class=HTMLResponse)
def notices_page(request: Request, *, session: DbSession, principal: Writer) -> Response:
    """Notices, rumour rebuttals and hotline entries of my area, and a form for a new one."""
    return render(request, "reports/bulletin_notices.html", _context(session, principal.actor))


@router.post("/reports/notices", response_model=None)
def create_notice(request: Request, *, session: DbSession, principal: Writer,
                  form: FormData) -> Response:
    """Save a new draft."""
    actor = principal.actor
    try:
        notice = do_create_notice(session, actor=actor, area_code=actor.area_code,
                                  data=validate(NoticeCreate, _clean(form)))
    except DomainError as error:
        return _failed(request, error, _context(session, actor, values=form),
                       "reports/bulletin_notices.html")
    return RedirectResponse(f"/reports/notices/{notice.id}", status_code=303)


def _clean(form: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in form.items() if value is not None}


def _notice_context(notice: Notice, **extra: Any) -> dict[str, Any]:
    return {"notice": notice, "kind_labels": KIND_LABELS, "status_labels": NOTICE_STATUS_LABELS,
            "values": {"kind": notice.kind, "title": notice.title, "body": notice.body},
            **extra}


@router.get("/reports/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, *, session: DbSession, principal: Writer,
                notice_id: int) -> Response:
    """A notice as the public sees it; a draft with its edit form and publish button."""
    notice = access_notice(session, principal.actor, notice_id)
    return render(request, "reports/bulletin_notice.html", _notice_context(notice))


@router.post("/reports/notices/{notice_id}", response_model=None)
def update_notice(request: Request, *, session: DbSession, principal: Writer,
                  notice_id: int, form: FormData) -> Response:
    actor = principal.actor
    notice = access_notice(session, actor, notice_id)
    try:
        do_update_notice(session, actor=actor, notice=notice,
                         data=validate(NoticeCreate, _clean(form)))
    except DomainError as error:
        return _failed(request, error, _notice_context(notice, values=form),
                       "reports/bulletin_notice.html")
    return RedirectResponse(f"/reports/notices/{notice.id}", status_code=303)


def _change(request: Request, session: Session, actor: Actor, notice_id: int,
            action: Callable[..., Notice]) -> Response:
    notice = access_notice(session, actor, notice_id)
    try:
        action(session, actor=actor, notice=notice)
    except DomainError as error:
        return _failed(request, error, _notice_context(notice),
                       "reports/bulletin_notice.html")
    return RedirectResponse(f"/reports/notices/{notice.id}", status_code=303)


@router.post("/reports/notices/{notice_id}/publish", response_model=None)
def publish_notice(request: Request, *, session: DbSession, principal: Writer,
                   notice_id: int) -> Response:
    """Publish a draft: shown on the public page from now on."""
    return _change(request, session, principal.actor, notice_id, do_publish_notice)


@router.post("/reports/notices/{notice_id}/withdraw", response_model=None)
def withdraw_notice(request: Request, *, session: DbSession, principal: Writer,
                    notice_id: int) -> Response:
    """Withdraw a published notice from the public page (it is kept)."""
    return _change(request, session, principal.actor, notice_id, do_withdraw_notice)
