"""Reads of accounts: users, sessions and tokens by their secrets, login attempts, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import ApiToken, AuditEntry, LoginAttempt, User, UserSession
from fangkong.accounts.schemas import AuditFilter, UserFilter
from fangkong.accounts.security import token_hash
from fangkong.areas.models import Area
from fangkong.errors import NotFound
from fangkong.i18n import N_
from fangkong.scope import Actor, in_scope


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


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def access_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user inside the actor's scope; NotFound for a missing one and for one outside it."""
    user = session.get(User, user_id)
    if user is None or not actor.sees(user.area_code):
        raise NotFound()
    return user


class UnknownUsername(NotFound):
    code = "accounts.unknown_user"
    status = 422

    @classmethod
    def default_message(cls) -> str:
        return N_("There is no user with this username.")


def access_user_by_username(session: Session, actor: Actor, username: str) -> User:
    """A user in the actor's scope by username; UnknownUsername names the field otherwise."""
    user = get_user_by_username(session, username.strip().lower())
    if user is None or not actor.sees(user.area_code):
        raise UnknownUsername(fields={"username": UnknownUsername.default_message()})
    return user


def users_query(actor: Actor, filters: UserFilter) -> Select[User]:
    """The users the actor may see, narrowed by the filters, ordered by username."""
    stmt = select(User).where(in_scope(User.area_code.expression, actor.scope))
    if filters.q:
        pattern = f"%{escape_like(filters.q.lower())}%"
        stmt = stmt.where(or_(
            func.lower(User.username).like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        ))
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role.value)
    if filters.area:
        stmt = stmt.where(in_scope(User.area_code.expression, filters.area))
    return stmt.order_by(User.username)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def area_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted)))
    return dict(rows.all())


def tokens_query(actor: Actor) -> Select[ApiToken]:
    """API tokens of the users in the actor's scope, newest first."""
    stmt = select(ApiToken).join(ApiToken.user)
    return stmt.where(in_scope(User.area_code.expression, actor.scope)).order_by(
        ApiToken.created_at.desc(), ApiToken.id.desc()
    )


def access_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or not actor.sees(token.user.area_code):
        raise NotFound()
    return token


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which a local day begins."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def audit_query(actor: Actor, filters: AuditFilter, zone: ZoneInfo) -> Select[AuditEntry]:
    """Audit entries of the actor's area, narrowed by the filters, newest first."""
    stmt = select(AuditEntry).where(in_scope(AuditEntry.area_code.expression, actor.scope))
    if filters.action is not None:
        stmt = stmt.where(AuditEntry.action == filters.action.value)
    if filters.resource:
        stmt = stmt.where(AuditEntry.resource == filters.resource)
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor_name == filters.actor)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.at >= local_day_start(filters.date_from, zone))
    if filters.date_to is not None:
        end = local_day_start(filters.date_to + timedelta(days=1), zone)
        stmt = stmt.where(AuditEntry.at < end)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def failure_times(
    session: Session, *, since: datetime, username: str | None = None,
    client_addr: str | None = None, limit: int = 1000,
) -> list[datetime]:
    """When sign-ins failed since a time, for an account or an address, oldest first."""
    stmt = select(LoginAttempt.at).where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if client_addr is not None:
        stmt = stmt.where(LoginAttempt.client_addr == client_addr)
    newest = list(session.scalars(stmt.order_by(LoginAttempt.at.desc()).limit(limit)))
    return newest[::-1]
