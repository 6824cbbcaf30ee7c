"""The accounts API: the caller, users, API tokens and the audit log, all scoped."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from fangkong.accounts.actions import (
    do_create_token,
    do_create_user,
    do_disable_user,
    do_enable_user,
    do_reset_password,
    do_revoke_token,
    do_update_user,
)
from fangkong.accounts.page_helpers import current_session
from fangkong.accounts.queries import (
    access_token,
    access_user,
    audit_query,
    tokens_query,
    users_query,
)
from fangkong.accounts.schemas import (
    AuditFilter,
    AuditRead,
    ErrorRead,
    MeRead,
    PasswordChange,
    TemporaryPassword,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserFilter,
    UserRead,
    UserUpdate,
)
from fangkong.accounts.signin import check_change_password
from fangkong.errors import DomainError
from fangkong.permissions import ROLE_PERMISSIONS, Permission, Role
from fangkong.web.deps import CurrentUser, DbSession, Principal, SettingsDep, require
from fangkong.web.handlers import error_response
from fangkong.web.pagination import Page, PageParams, Paging, paginate

router = APIRouter(tags=["accounts"])


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    return {status: {"model": ErrorRead} for status in (401, *statuses)}


UserReader = Annotated[Principal, Depends(require(Permission.USER_READ))]
UserWriter = Annotated[Principal, Depends(require(Permission.USER_WRITE))]
TokenWriter = Annotated[Principal, Depends(require(Permission.TOKEN_WRITE))]
AuditReader = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


def page_fields(
    schema: type[BaseModel], rows: list[Any], total: int, params: PageParams
) -> dict[str, Any]:
    """The fields of a `Page[schema]` made of ORM rows."""
    items = [schema.model_validate(row) for row in rows]
    return {"items": items, "total": total, "page": params.page, "size": params.size}


@router.get("/me", response_model=MeRead, responses=errors())
def me(principal: CurrentUser) -> MeRead:
    """The caller: their account and the permissions of their role."""
    permissions = sorted(ROLE_PERMISSIONS[Role(principal.user.role)])
    return MeRead.model_validate({
        **UserRead.model_validate(principal.user).model_dump(),
        "must_change_password": principal.user.must_change_password,
        "permissions": [str(permission) for permission in permissions],
    })


@router.post("/me/password", status_code=204, response_class=Response,
             responses=errors(400, 422, 429))
def change_my_password(
    request: Request, session: DbSession, settings: SettingsDep, principal: CurrentUser,
    data: PasswordChange,
) -> Response:
    """Change one's own password. A wrong current password counts as a failed sign-in."""
    try:
        check_change_password(session, settings=settings, actor=principal.actor,
                              user=principal.user, data=data,
                              keep=current_session(request, session))
    except DomainError as error:
        return error_response(request, error)  # answered, not raised: the attempt is kept
    return Response(status_code=204)


@router.get("/users", response_model=Page[UserRead], responses=errors(403, 422))
def list_users(
    session: DbSession, principal: UserReader, paging: Paging,
    filters: Annotated[UserFilter, Query()],
) -> Page[UserRead]:
    """Users of the caller's area: search by username or name, role, area code prefix."""
    rows, total = paginate(session, users_query(principal.actor, filters), paging)
    return Page[UserRead](**page_fields(UserRead, rows, total, paging))


@router.post("/users", status_code=201, response_model=UserRead,
             responses=errors(403, 409, 422))
def create_user(session: DbSession, principal: UserWriter, data: UserCreate) -> UserRead:
    """Create a user bound to a role and an area inside the caller's scope."""
    return UserRead.model_validate(do_create_user(session, actor=principal.actor, data=data))


@router.get("/users/{user_id}", response_model=UserRead, responses=errors(403, 404))
def get_user(session: DbSession, principal: UserReader, user_id: int) -> UserRead:
    return UserRead.model_validate(access_user(session, principal.actor, user_id))


@router.patch("/users/{user_id}", response_model=UserRead, responses=errors(403, 404, 422))
def update_user(
    session: DbSession, principal: UserWriter, user_id: int, data: UserUpdate
) -> UserRead:
    """Change a user's name, role, area or phone; only the fields given."""
    user = access_user(session, principal.actor, user_id)
    return UserRead.model_validate(
        do_update_user(session, actor=principal.actor, user=user, data=data)
    )


@router.post("/users/{user_id}/disable", response_model=UserRead,
             responses=errors(403, 404, 409))
def disable_user(session: DbSession, principal: UserWriter, user_id: int) -> UserRead:
    """Refuse the user's sign-ins and tokens; their sessions end at once."""
    user = access_user(session, principal.actor, user_id)
    return UserRead.model_validate(do_disable_user(session, actor=principal.actor, user=user))


@router.post("/users/{user_id}/enable", response_model=UserRead, responses=errors(403, 404))
def enable_user(session: DbSession, principal: UserWriter, user_id: int) -> UserRead:
    user = access_user(session, principal.actor, user_id)
    return UserRead.model_validate(do_enable_user(session, actor=principal.actor, user=user))


@router.post("/users/{user_id}/password", response_model=TemporaryPassword,
             responses=errors(403, 404))
def reset_password(session: DbSession, principal: UserWriter, user_id: int) -> TemporaryPassword:
    """Reset the password to a temporary one, returned here only; the user must change it."""
    user = access_user(session, principal.actor, user_id)
    password = do_reset_password(session, actor=principal.actor, user=user)
    return TemporaryPassword(user_id=user.id, username=user.username,
                             temporary_password=password)


@router.get("/tokens", response_model=Page[TokenRead], responses=errors(403, 422))
def list_tokens(session: DbSession, principal: TokenWriter, paging: Paging) -> Page[TokenRead]:
    """API tokens of the users in the caller's area, newest first."""
    rows, total = paginate(session, tokens_query(principal.actor), paging)
    return Page[TokenRead](**page_fields(TokenRead, rows, total, paging))


@router.post("/tokens", status_code=201, response_model=TokenCreated,
             responses=errors(403, 404, 422))
def create_token(session: DbSession, principal: TokenWriter, data: TokenCreate) -> TokenCreated:
    """Issue a token acting as a user; the secret is in this answer and never again."""
    user = access_user(session, principal.actor, data.user_id)
    token, secret = do_create_token(session, actor=principal.actor, user=user, name=data.name,
                                    expires_days=data.expires_days)
    return TokenCreated.model_validate(
        {**TokenRead.model_validate(token).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}", response_model=TokenRead, responses=errors(403, 404))
def revoke_token(session: DbSession, principal: TokenWriter, token_id: int) -> TokenRead:
    """Revoke a token: its client is refused from now on."""
    token = access_token(session, principal.actor, token_id)
    return TokenRead.model_validate(do_revoke_token(session, actor=principal.actor, token=token))


@router.get("/audit", response_model=Page[AuditRead], responses=errors(403, 422))
def list_audit(
    session: DbSession, settings: SettingsDep, principal: AuditReader, paging: Paging,
    filters: Annotated[AuditFilter, Query()],
) -> Page[AuditRead]:
    """The audit log of the caller's area (everything for an administrator), newest first."""
    stmt = audit_query(principal.actor, filters, settings.zone)
    rows, total = paginate(session, stmt, paging)
    return Page[AuditRead](**page_fields(AuditRead, rows, total, paging))
