"""Signing in and out, and the throttling of failed attempts by account and by address.

Every attempt is recorded in `login_attempts`. `max_failures` failures within `window` (for one
username, or from one client address) lock further attempts for `lock`, counted from the failure
that reached the limit; attempts made while locked are recorded but do not prolong the lock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fangkong.accounts.actions import WrongPassword, check_current_password, do_change_password
from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import LoginAttempt, User, UserSession
from fangkong.accounts.queries import failure_times, get_user_by_username
from fangkong.accounts.schemas import PasswordChange
from fangkong.accounts.security import hash_password, new_token, token_hash, verify_password
from fangkong.db import utcnow
from fangkong.errors import Invalid, TooManyRequests
from fangkong.i18n import N_
from fangkong.permissions import Role
from fangkong.scope import Actor
from fangkong.settings import Settings

T = TypeVar("T")
_DUMMY_HASH = hash_password("timing-equaliser-0")


class LoginFailed(Invalid):
    """Wrong username or password: the message never tells which."""

    code = "accounts.login_failed"
    status = 400

    @classmethod
    def default_message(cls) -> str:
        return N_("The username or password is not correct.")


class AccountDisabled(LoginFailed):
    code = "accounts.disabled"

    @classmethod
    def default_message(cls) -> str:
        return N_("This account has been disabled. Please contact your administrator.")


class AccountLocked(TooManyRequests):
    code = "accounts.locked"

    @classmethod
    def default_message(cls) -> str:
        return N_("Too many failed sign-ins. Please wait %(minutes)s minutes and try again.")


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    lock: timedelta

    @classmethod
    def of(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            max_failures=settings.login_max_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            lock=timedelta(minutes=settings.login_lock_minutes),
        )


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the row, the cookie token and the fresh CSRF token."""

    user: User
    row: UserSession
    token: str
    csrf_token: str


def locked_until(times: list[datetime], policy: ThrottlePolicy) -> datetime | None:
    """When the lock set by these failure times (oldest first) ends, if they set one."""
    until: datetime | None = None
    recent: deque[datetime] = deque()
    for at in times:
        if until is not None and at < until:
            continue
        recent.append(at)
        while recent[0] < at - policy.window:
            recent.popleft()
        if len(recent) >= policy.max_failures:
            until = at + policy.lock
            recent.clear()
    return until


def lock_end(
    session: Session, policy: ThrottlePolicy, *, username: str, client_addr: str, now: datetime
) -> datetime | None:
    """The end of the lock on this username or this address, None when neither is locked."""
    since = now - policy.window - policy.lock
    ends = [
        locked_until(failure_times(session, since=since, username=username), policy),
        locked_until(failure_times(session, since=since, client_addr=client_addr), policy),
    ]
    live = [end for end in ends if end is not None and end > now]
    return max(live) if live else None


def check_not_locked(
    session: Session, policy: ThrottlePolicy, *, username: str, client_addr: str, now: datetime
) -> None:
    end = lock_end(session, policy, username=username, client_addr=client_addr, now=now)
    if end is not None:
        minutes = max(1, math.ceil((end - now).total_seconds() / 60))
        raise AccountLocked(params={"minutes": minutes})


def do_record_attempt(
    session: Session, *, username: str, client_addr: str, success: bool, reason: str = ""
) -> None:
    """One row in login_attempts and, for a failure, an audit entry."""
    session.add(LoginAttempt(
        at=utcnow(), username=username[:64], client_addr=client_addr[:64], success=success,
    ))
    if success:
        return
    user = get_user_by_username(session, username)
    # Nobody is signed in: the entry names what was typed; the role is never looked at.
    actor = Actor(user_id=None, username=username[:64], role=Role.ENTERPRISE, area_code="",
                  client_addr=client_addr)
    do_audit(
        session, actor=actor, action=AuditAction.LOGIN_FAILED, resource="user",
        record_id=user.id if user else username[:64],
        area_code=user.area_code if user else "", detail={"reason": reason},
    )


def check_credentials(session: Session, *, username: str, password: str) -> User:
    """The active user with this password; LoginFailed (or AccountDisabled) otherwise."""
    user = get_user_by_username(session, username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise LoginFailed()
    if not verify_password(user.password_hash, password):
        raise LoginFailed()
    if not user.is_active:
        raise AccountDisabled()
    return user


def check_throttled(
    session: Session, *, settings: Settings, username: str, client_addr: str,
    verify: Callable[[], T],
) -> T:
    """Run a password check unless locked; record the attempt either way.

    A failure is recorded in the caller's transaction and re-raised: the edge must still
    commit (answer with the error instead of letting it roll the transaction back).
    """
    try:
        check_not_locked(session, ThrottlePolicy.of(settings), username=username,
                         client_addr=client_addr, now=utcnow())
        result = verify()
    except (AccountLocked, LoginFailed, WrongPassword) as error:
        do_record_attempt(session, username=username, client_addr=client_addr, success=False,
                          reason=error.code)
        raise
    do_record_attempt(session, username=username, client_addr=client_addr, success=True)
    return result


def do_login(
    session: Session, *, settings: Settings, username: str, password: str, client_addr: str
) -> SignedIn:
    """Sign in, or record the failure and raise AccountLocked, LoginFailed or AccountDisabled."""
    username = username.strip().lower()
    user = check_throttled(
        session, settings=settings, username=username, client_addr=client_addr,
        verify=lambda: check_credentials(session, username=username, password=password),
    )
    return do_start_session(session, user=user, settings=settings, client_addr=client_addr)


def check_change_password(
    session: Session, *, settings: Settings, actor: Actor, user: User, data: PasswordChange,
    keep: UserSession | None = None,
) -> None:
    """Change one's own password: the current one is checked (and throttled) like a sign-in."""
    check_throttled(
        session, settings=settings, username=user.username, client_addr=actor.client_addr or "",
        verify=lambda: check_current_password(user, data.current_password),
    )
    do_change_password(session, actor=actor, user=user, new_password=data.new_password,
                       keep=keep)


def do_start_session(
    session: Session, *, user: User, settings: Settings, client_addr: str
) -> SignedIn:
    now = utcnow()
    session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.expires_at <= now,
    ))
    token, csrf = new_token(), new_token()
    row = UserSession(
        token_hash=token_hash(token), user_id=user.id, csrf_token=csrf[:64], created_at=now,
        expires_at=now + timedelta(hours=settings.session_hours), last_seen_at=now,
        client_addr=client_addr[:64],
    )
    session.add(row)
    user.last_login_at = now
    session.flush()
    do_audit(session, actor=user.actor(client_addr), action=AuditAction.LOGIN, resource="user",
             record_id=user.id, area_code=user.area_code, detail={"session": row.id})
    return SignedIn(user=user, row=row, token=token, csrf_token=csrf[:64])


def do_logout(session: Session, *, actor: Actor, token: str) -> None:
    """End the browser session of this cookie token."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None:
        return
    session.delete(row)
    do_audit(session, actor=actor, action=AuditAction.LOGOUT, resource="user",
             record_id=actor.user_id or actor.username, area_code=actor.area_code)
