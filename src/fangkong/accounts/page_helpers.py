"""Helpers shared by the account pages and API: routers, forms, messages, the session cookie."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from fangkong.accounts.models import UserSession
from fangkong.accounts.queries import get_live_session
from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.web.deps import SESSION_COOKIE
from fangkong.web.forms import form_data, validate
from fangkong.web.handlers import error_domain
from fangkong.web.pagination import Page, PageParams

M = TypeVar("M", bound=BaseModel)
DOMAIN = "accounts"
FormData = Annotated[dict[str, object], Depends(form_data)]


def page_router() -> APIRouter:
    """A router of pages (the password-change guard holds every page that finds its caller)."""
    return APIRouter()


def translate(request: Request, message: str) -> str:
    """One of this module's messages in the request's language."""
    text: str = request.state.tr.gettext(message, DOMAIN)
    return text


def message_of(request: Request, error: DomainError) -> str:
    """The error's message in the request's language, with its parameters."""
    text: str = request.state.tr.gettext(error.message, error_domain(error), **error.params)
    return text


def error_context(request: Request, error: DomainError | None) -> dict[str, Any]:
    """What a page needs to show an error: the flash message and the fields at fault."""
    if error is None:
        return {"errors": {}}
    return {"errors": error.fields, "flash": message_of(request, error), "flash_kind": "error"}


def query_values(request: Request, *names: str) -> dict[str, object]:
    """The non-blank query parameters among the names, as plain data for a filter schema."""
    values: dict[str, object] = {}
    for name in names:
        value = request.query_params.get(name, "").strip()
        if value:
            values[name] = value
    return values


def query_filter(request: Request, schema: type[M]) -> M:
    return validate(schema, query_values(request, *schema.model_fields))


def page_of(rows: list[Any], total: int, params: PageParams) -> Page[Any]:
    return Page[Any](items=rows, total=total, page=params.page, size=params.size)


def session_token(request: Request) -> str | None:
    token: str | None = request.app.state.cookie_signer.unsign(request.cookies.get(SESSION_COOKIE))
    return token


def current_session(request: Request, session: Session) -> UserSession | None:
    token = session_token(request)
    return None if token is None else get_live_session(session, token, utcnow())
