"""Annotated dependencies: settings, the request's one session, the caller, permissions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fangkong.accounts.guard import refuse_until_password_changed
from fangkong.accounts.models import User
from fangkong.accounts.queries import get_live_session, get_live_token
from fangkong.db import utcnow
from fangkong.errors import Unauthenticated
from fangkong.i18n import Translator
from fangkong.permissions import Permission
from fangkong.scope import Actor
from fangkong.settings import Settings
from fangkong.web.csrf import SAFE_METHODS

SESSION_COOKIE = "fk_session"
TOUCH_EVERY = timedelta(minutes=5)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error.

    Requests that may change data (POST, PUT, PATCH, DELETE) get a writing session.
    """
    state = request.app.state
    factory = state.session_factory if request.method in SAFE_METHODS else (
        state.write_session_factory
    )
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.expunge_all()  # the caller stays readable for the error page after the rollback
        session.rollback()
        raise
    finally:
        session.close()


async def get_unit_session(request: Request) -> AsyncIterator[Session]:
    """A writing session for an `async` endpoint that runs and commits its unit of work itself
    (`web.units.run_unit`): made and closed on the event loop, no thread taken, no
    statement run here."""
    session: Session = request.app.state.write_session_factory()
    try:
        yield session
    finally:
        session.close()


def get_translator(request: Request) -> Translator:
    translator: Translator = request.state.tr
    return translator


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]
UnitSession = Annotated[Session, Depends(get_unit_session, scope="function")]
Tr = Annotated[Translator, Depends(get_translator)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in caller of a request and how it proved who it is."""

    user: User
    actor: Actor
    via: Literal["session", "token"]


def client_addr(request: Request) -> str:
    return request.client.host if request.client else ""


def _from_bearer(request: Request, session: Session) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    row = get_live_token(session, token.strip(), utcnow())
    if row is None:
        raise Unauthenticated()
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
    return Principal(row.user, row.user.actor(client_addr(request)), "token")


def _from_cookie(request: Request, session: Session, settings: Settings) -> Principal | None:
    token = request.app.state.cookie_signer.unsign(request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    row = get_live_session(session, token, utcnow())
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        row.expires_at = now + timedelta(hours=settings.session_hours)
    return Principal(row.user, row.user.actor(client_addr(request)), "session")


def find_principal(request: Request, session: Session) -> Principal | None:
    """The caller of the request (bearer token, else session cookie), kept on request.state;
    a signed-in user who must change the password is held at the account page."""
    settings: Settings = request.app.state.settings
    principal = _from_bearer(request, session) or _from_cookie(request, session, settings)
    refuse_until_password_changed(request.url.path, principal)
    request.state.principal = principal
    return principal


def get_principal_optional(request: Request, session: DbSession) -> Principal | None:
    return find_principal(request, session)


def get_principal(
    principal: Annotated[Principal | None, Depends(get_principal_optional)],
) -> Principal:
    if principal is None:
        raise Unauthenticated()
    return principal


MaybeUser = Annotated[Principal | None, Depends(get_principal_optional)]
CurrentUser = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that answers 403 unless the caller's role holds the permission."""

    def dependency(principal: CurrentUser) -> Principal:
        principal.actor.require(permission)
        return principal

    return dependency
