"""Plain reads of accounts: users, sessions and tokens by their secrets, login attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import ApiToken, LoginAttempt, User, UserSession
from fangkong.accounts.security import token_hash


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get_live_session(session: Session, token: str, now: datetime) -> UserSession | None:
    """The unexpired session of an active user for a cookie token, else None."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    return row


def get_live_token(session: Session, token: str, now: datetime) -> ApiToken | None:
    """The unrevoked, unexpired API token of an active user, else None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row


def count_recent_failures(
    session: Session, *, username: str | None = None, client_addr: str | None = None,
    since: datetime,
) -> int:
    """Failed sign-ins since a time, for an account or for a client address."""
    stmt = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.success.is_(False)
    )
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if client_addr is not None:
        stmt = stmt.where(LoginAttempt.client_addr == client_addr)
    return session.scalar(stmt) or 0


def window_start(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
