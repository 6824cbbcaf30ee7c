"""Changes to accounts and API tokens. Never commits; the edge (request, command) does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.accounts.models import ApiToken, User, UserSession
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.schemas import UserCreate, UserUpdate
from fangkong.accounts.security import (
    TOKEN_PREFIX,
    check_password_policy,
    hash_password,
    new_token,
    temporary_password,
    token_hash,
    verify_password,
)
from fangkong.areas.models import Area
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid
from fangkong.i18n import N_
from fangkong.scope import Actor

USER_FIELDS = ("display_name", "role", "area_code", "phone")


class UsernameTaken(Conflict):
    code = "accounts.username_taken"

    @classmethod
    def default_message(cls) -> str:
        return N_("This username is already taken.")


class UnknownArea(Invalid):
    code = "areas.unknown"

    @classmethod
    def default_message(cls) -> str:
        return N_("There is no area with this code.")


class CannotDisableSelf(Conflict):
    code = "accounts.disable_self"

    @classmethod
    def default_message(cls) -> str:
        return N_("You cannot disable your own account.")


class WrongPassword(Invalid):
    code = "accounts.wrong_password"
    status = 400

    @classmethod
    def default_message(cls) -> str:
        return N_("The current password is not correct.")


def check_user_area(session: Session, actor: Actor, area_code: str) -> Area:
    """The area a user is bound to must exist and lie inside the acting user's scope."""
    area = session.get(Area, area_code)
    if area is None or not actor.sees(area.code):
        raise UnknownArea(fields={"area_code": UnknownArea.default_message()})
    return area


def do_create_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    if get_user_by_username(session, data.username) is not None:
        raise UsernameTaken(fields={"username": UsernameTaken.default_message()})
    check_user_area(session, actor, data.area_code)
    check_password_policy(data.password, username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role.value,
        area_code=data.area_code,
        phone=data.phone,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    do_audit(
        session, actor=actor, action=AuditAction.CREATE, resource="user", record_id=user.id,
        area_code=user.area_code,
        detail=data.model_dump(exclude={"password"}, mode="json"),
    )
    return user


def user_fields(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in USER_FIELDS}


def _audit_user(session: Session, actor: Actor, user: User, detail: dict[str, Any]) -> None:
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="user",
             record_id=user.id, area_code=user.area_code, detail=detail)


def do_update_user(session: Session, *, actor: Actor, user: User, data: UserUpdate) -> User:
    """Change the given fields; the new area must exist and lie in the actor's scope."""
    after = data.model_dump(exclude_none=True, mode="json")
    if "area_code" in after:
        check_user_area(session, actor, after["area_code"])
    diff = changes(user_fields(user), after)
    if not diff:
        return user
    for name, (_old, new) in diff.items():
        setattr(user, name, new)
    session.flush()
    _audit_user(session, actor, user, diff)
    return user


def do_end_sessions(session: Session, *, user: User, keep: UserSession | None = None) -> None:
    """Sign the user out everywhere, except (optionally) the session in use."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    session.execute(stmt)


def do_disable_user(session: Session, *, actor: Actor, user: User) -> User:
    """Refuse the user's sign-ins and tokens from now on; their sessions end at once."""
    if user.id == actor.user_id:
        raise CannotDisableSelf()
    if user.is_active:
        user.is_active = False
        do_end_sessions(session, user=user)
        _audit_user(session, actor, user, {"is_active": [True, False]})
    return user


def do_enable_user(session: Session, *, actor: Actor, user: User) -> User:
    if not user.is_active:
        user.is_active = True
        _audit_user(session, actor, user, {"is_active": [False, True]})
    return user


def do_reset_password(session: Session, *, actor: Actor, user: User) -> str:
    """A new temporary password (returned once) that the user must change at next sign-in."""
    password = temporary_password()
    while user.username.lower() in password.lower():
        password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    do_end_sessions(session, user=user)
    _audit_user(session, actor, user, {"password": "reset"})
    return password


def check_current_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise WrongPassword(fields={"current_password": WrongPassword.default_message()})


def do_change_password(
    session: Session, *, actor: Actor, user: User, new_password: str,
    keep: UserSession | None = None,
) -> None:
    """Set the user's own new password; their other sessions end."""
    check_password_policy(new_password, username=user.username, field="new_password")
    if verify_password(user.password_hash, new_password):
        problem = N_("The new password must differ from the current one.")
        raise Invalid(problem, fields={"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    do_end_sessions(session, user=user, keep=keep)
    _audit_user(session, actor, user, {"password": "changed"})


def do_set_locale(session: Session, *, actor: Actor, user: User, locale: str) -> None:
    if user.locale != locale:
        _audit_user(session, actor, user, {"locale": [user.locale, locale]})
        user.locale = locale


def do_create_token(
    session: Session, *, actor: Actor, user: User, name: str, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token acting as the user; the secret is returned here and never again."""
    check_user_area(session, actor, user.area_code)
    secret = new_token(TOKEN_PREFIX)
    now = utcnow()
    token = ApiToken(
        user=user, name=name, token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6], created_at=now, created_by_id=actor.user_id,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="api_token",
             record_id=token.id, area_code=user.area_code,
             detail={"user_id": user.id, "name": name, "expires_days": expires_days})
    return token, secret


def do_revoke_token(session: Session, *, actor: Actor, token: ApiToken) -> ApiToken:
    """Refuse the token from now on; revoking a revoked token changes nothing."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="api_token",
             record_id=token.id, area_code=token.user.area_code, detail={"revoked": True})
    return token
