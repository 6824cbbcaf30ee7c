"""Administration pages: users (list, create, edit, disable, reset password) and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.actions import (
    do_create_token,
    do_create_user,
    do_disable_user,
    do_enable_user,
    do_reset_password,
    do_revoke_token,
    do_update_user,
)
from fangkong.accounts.models import User
from fangkong.accounts.page_helpers import (
    FormData,
    error_context,
    page_of,
    page_router,
    query_filter,
    translate,
)
from fangkong.accounts.queries import (
    access_token,
    access_user,
    access_user_by_username,
    area_names,
    tokens_query,
    users_query,
)
from fangkong.accounts.schemas import ROLE_LABELS, TokenCreate, UserCreate, UserFilter, UserUpdate
from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.pagination import PageParams, Paging, paginate
from fangkong.web.templating import render

router = page_router()

UserReader = Annotated[Principal, Depends(require(Permission.USER_READ))]
UserWriter = Annotated[Principal, Depends(require(Permission.USER_WRITE))]
TokenWriter = Annotated[Principal, Depends(require(Permission.TOKEN_WRITE))]

DONE = {
    "created": N_("The user has been created."),
    "saved": N_("The changes have been saved."),
    "disabled": N_("The account has been disabled and its sessions ended."),
    "enabled": N_("The account has been enabled."),
    "revoked": N_("The token has been revoked."),
}


def _done(request: Request) -> dict[str, Any]:
    message = DONE.get(request.query_params.get("done", ""))
    return {"flash": translate(request, message)} if message else {}


@router.get("/admin/users")
def users_page(
    request: Request, session: DbSession, principal: UserReader, paging: Paging
) -> HTMLResponse:
    """The users of the caller's area, searchable by name, role and area."""
    filters = query_filter(request, UserFilter)
    rows, total = paginate(session, users_query(principal.actor, filters), paging)
    return render(request, "accounts/users.html", {
        "page": page_of(rows, total, paging), "filters": filters, "roles": ROLE_LABELS,
        "areas": area_names(session, (user.area_code for user in rows)),
        "can_write": principal.actor.can(Permission.USER_WRITE),
        "can_tokens": principal.actor.can(Permission.TOKEN_WRITE),
    })


def _new_user_page(
    request: Request, values: dict[str, object], error: DomainError | None = None
) -> HTMLResponse:
    context = {"values": values, "roles": ROLE_LABELS, **error_context(request, error)}
    status = error.status if error else 200
    return render(request, "accounts/user_new.html", context, status_code=status)


@router.get("/admin/users/new", dependencies=[Depends(require(Permission.USER_WRITE))])
def new_user_page(request: Request) -> HTMLResponse:
    return _new_user_page(request, {"phone": ""})


@router.post("/admin/users/new")
def new_user_submit(
    request: Request, session: DbSession, principal: UserWriter, data: FormData
) -> Response:
    """Create a user; the form comes back with what was typed and the faults marked."""
    values = {**data, "phone": data.get("phone") or ""}
    try:
        user = do_create_user(session, actor=principal.actor, data=validate(UserCreate, values))
    except DomainError as error:
        return _new_user_page(request, {**values, "password": None}, error)
    return RedirectResponse(f"/admin/users/{user.id}?done=created", status_code=303)


def _user_page(
    request: Request, session: Session, principal: Principal, user: User, *,
    values: dict[str, object] | None = None, error: DomainError | None = None,
    temporary_password: str | None = None,
) -> HTMLResponse:
    context = {
        "user": user, "roles": ROLE_LABELS, "values": values or _user_values(user),
        "can_write": principal.actor.can(Permission.USER_WRITE),
        "area_name": area_names(session, [user.area_code]).get(user.area_code, ""),
        "temporary_password": temporary_password, **_done(request),
        **error_context(request, error),
    }
    status = error.status if error else 200
    return render(request, "accounts/user.html", context, status_code=status)


def _user_values(user: User) -> dict[str, object]:
    return {"display_name": user.display_name, "role": user.role,
            "area_code": user.area_code, "phone": user.phone}


@router.get("/admin/users/{user_id}")
def user_page(
    request: Request, session: DbSession, principal: UserReader, user_id: int
) -> HTMLResponse:
    """One user: their details, and for an administrator the forms to change them."""
    user = access_user(session, principal.actor, user_id)
    return _user_page(request, session, principal, user)


@router.post("/admin/users/{user_id}")
def user_submit(
    request: Request, session: DbSession, principal: UserWriter, user_id: int, data: FormData
) -> Response:
    user = access_user(session, principal.actor, user_id)
    values = {**data, "phone": data.get("phone") or ""}
    try:
        do_update_user(session, actor=principal.actor, user=user,
                       data=validate(UserUpdate, values))
    except DomainError as error:
        return _user_page(request, session, principal, user, values=values, error=error)
    return RedirectResponse(f"/admin/users/{user.id}?done=saved", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def user_disable(session: DbSession, principal: UserWriter, user_id: int) -> RedirectResponse:
    user = access_user(session, principal.actor, user_id)
    do_disable_user(session, actor=principal.actor, user=user)
    return RedirectResponse(f"/admin/users/{user.id}?done=disabled", status_code=303)


@router.post("/admin/users/{user_id}/enable")
def user_enable(session: DbSession, principal: UserWriter, user_id: int) -> RedirectResponse:
    user = access_user(session, principal.actor, user_id)
    do_enable_user(session, actor=principal.actor, user=user)
    return RedirectResponse(f"/admin/users/{user.id}?done=enabled", status_code=303)


@router.post("/admin/users/{user_id}/password")
def user_reset_password(
    request: Request, session: DbSession, principal: UserWriter, user_id: int
) -> HTMLResponse:
    """Reset the password: the temporary one is shown on this answer only."""
    user = access_user(session, principal.actor, user_id)
    password = do_reset_password(session, actor=principal.actor, user=user)
    return _user_page(request, session, principal, user, temporary_password=password)


def _tokens_page(
    request: Request, session: Session, principal: Principal, paging: PageParams, *,
    values: dict[str, object] | None = None, error: DomainError | None = None,
    created: tuple[Any, str] | None = None,
) -> HTMLResponse:
    rows, total = paginate(session, tokens_query(principal.actor), paging)
    context = {
        "page": page_of(rows, total, paging), "values": values or {}, "created": created,
        "now_utc": utcnow(),
        **_done(request), **error_context(request, error),
    }
    status = error.status if error else 200
    return render(request, "accounts/tokens.html", context, status_code=status)


@router.get("/admin/tokens")
def tokens_page(
    request: Request, session: DbSession, principal: TokenWriter, paging: Paging
) -> HTMLResponse:
    """API tokens of machine clients: who, prefix, created, last used, status."""
    return _tokens_page(request, session, principal, paging)


@router.post("/admin/tokens")
def token_submit(
    request: Request, session: DbSession, principal: TokenWriter, paging: Paging, data: FormData
) -> HTMLResponse:
    """Issue a token for a user; the secret appears on this answer only."""
    try:
        user = access_user_by_username(session, principal.actor, str(data.get("username") or ""))
        form = validate(TokenCreate, {**data, "user_id": user.id})
        created = do_create_token(session, actor=principal.actor, user=user, name=form.name,
                                  expires_days=form.expires_days)
    except DomainError as error:
        return _tokens_page(request, session, principal, paging, values=data, error=error)
    return _tokens_page(request, session, principal, paging, created=created)


@router.post("/admin/tokens/{token_id}/revoke")
def token_revoke(session: DbSession, principal: TokenWriter, token_id: int) -> RedirectResponse:
    token = access_token(session, principal.actor, token_id)
    do_revoke_token(session, actor=principal.actor, token=token)
    return RedirectResponse("/admin/tokens?done=revoked", status_code=303)
