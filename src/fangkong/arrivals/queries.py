"""Reads of key areas, checkpoints, arrivals and bookings, each restricted to the caller."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.arrivals.codes import ArrivalStatus
from fangkong.arrivals.models import Arrival, Checkpoint, KeyArea, ReturnBooking
from fangkong.arrivals.schemas import ArrivalFilter
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.scope import Actor, in_scope
from fangkong.settings import Settings

COMMUNITY = "community"
DISTRICT = "district"
# A grid's worker also handles what is addressed to the grid's community as a whole; the scope
# filter cannot know levels, so the community's code length (DESIGN.md) is named here.
COMMUNITY_DIGITS = 12


def level_length(session: Session, level: str, default: int) -> int:
    """The number of digits of a level's codes (community 12, district 6 by default)."""
    row = session.get(AreaLevel, level)
    return row.code_length if row is not None else default


def list_key_areas(session: Session, *, current_on: date | None = None) -> list[KeyArea]:
    """Key areas valid on a day (all of them, history included, when no day is given)."""
    stmt = select(KeyArea).order_by(KeyArea.division_code, KeyArea.valid_from, KeyArea.id)
    if current_on is not None:
        stmt = stmt.where(KeyArea.valid_from <= current_on,
                          or_(KeyArea.valid_to.is_(None), KeyArea.valid_to >= current_on))
    return list(session.scalars(stmt))


def get_key_area(session: Session, key_area_id: int) -> KeyArea:
    row = session.get(KeyArea, key_area_id)
    if row is None:
        raise NotFound()
    return row


def checkpoints_stmt(actor: Actor, *, active_only: bool = False) -> Select[Checkpoint]:
    stmt = (select(Checkpoint).where(in_scope(Checkpoint.area_code.expression, actor.scope))
            .order_by(Checkpoint.area_code, Checkpoint.name, Checkpoint.id))
    return stmt.where(Checkpoint.active.is_(True)) if active_only else stmt


def list_checkpoints(session: Session, actor: Actor, *, active_only: bool = False) -> list[
    Checkpoint
]:
    return list(session.scalars(checkpoints_stmt(actor, active_only=active_only)))


def access_checkpoint(session: Session, actor: Actor, checkpoint_id: int) -> Checkpoint:
    """A checkpoint in the actor's area; NotFound for a missing one and one outside it."""
    row = session.get(Checkpoint, checkpoint_id)
    if row is None or not actor.sees(row.area_code):
        raise NotFound()
    return row


def get_checkpoint_by_token(session: Session, token: str) -> Checkpoint | None:
    """An active checkpoint by the token of its printed QR code."""
    if not token or len(token) > 64:
        return None
    row = session.scalar(select(Checkpoint).where(Checkpoint.public_token == token))
    return row if row is not None and row.active else None


def is_checkpoint_staff(actor: Actor) -> bool:
    """Checkpoint staff register arrivals but do not handle them in a community."""
    return actor.can(Permission.ARRIVAL_WRITE) and not actor.can(Permission.ARRIVAL_CONTACT)


def arrival_visible(actor: Actor) -> ColumnElement[bool]:
    """Default deny: checkpoint staff see the records of the checkpoints in their area; everyone
    else the arrivals whose destination lies in their area, and a grid's worker also those
    left at the grid's community (not yet given to a grid)."""
    if is_checkpoint_staff(actor):
        return Arrival.checkpoint_id.in_(
            select(Checkpoint.id).where(in_scope(Checkpoint.area_code.expression, actor.scope)))
    own = in_scope(Arrival.area_code.expression, actor.scope)
    if len(actor.scope) > COMMUNITY_DIGITS:
        return or_(own, Arrival.area_code == actor.scope[:COMMUNITY_DIGITS])
    return own


def access_arrival(session: Session, actor: Actor, arrival_id: int) -> Arrival:
    """An arrival the actor may see; NotFound for a missing one and one outside the scope."""
    if not 0 < arrival_id < 2**63:
        raise NotFound()
    row = session.scalar(select(Arrival).where(Arrival.id == arrival_id, arrival_visible(actor)))
    if row is None:
        raise NotFound()
    return row


def day_bounds(day: date, settings: Settings) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends at."""
    start = datetime.combine(day, time(0), tzinfo=settings.zone)
    return start, start + timedelta(days=1)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return and_(Arrival.status == ArrivalStatus.PENDING.value, Arrival.contact_due_at < now)


def arrivals_stmt(actor: Actor, filters: ArrivalFilter, settings: Settings) -> Select[Arrival]:
    """Arrivals visible to the actor: pending first (earliest deadline first), then newest."""
    pending_first = (Arrival.status != ArrivalStatus.PENDING.value)
    stmt = select(Arrival).where(arrival_visible(actor)).order_by(
        pending_first, Arrival.contact_due_at, Arrival.id.desc())
    if filters.status:
        stmt = stmt.where(Arrival.status == filters.status)
    if filters.origin_risk is not None:
        stmt = stmt.where(Arrival.origin_risk == filters.origin_risk.value)
    if filters.checkpoint_id is not None:
        stmt = stmt.where(Arrival.checkpoint_id == filters.checkpoint_id)
    if filters.overdue:
        stmt = stmt.where(overdue_condition(utcnow()))
    if filters.day is not None:
        start, end = day_bounds(filters.day, settings)
        stmt = stmt.where(Arrival.arrived_at >= start, Arrival.arrived_at < end)
    if filters.area:
        stmt = stmt.where(in_scope(Arrival.area_code.expression, filters.area))
    if filters.q:
        needle = filters.q.strip()
        stmt = stmt.where(or_(Arrival.name == needle, Arrival.confirmation_code == needle.upper()))
    return stmt


def list_group(session: Session, actor: Actor, group_code: str) -> list[Arrival]:
    stmt = (select(Arrival).where(Arrival.group_code == group_code, arrival_visible(actor))
            .order_by(Arrival.id))
    return list(session.scalars(stmt))


def bookings_stmt(actor: Actor, day: date | None) -> Select[ReturnBooking]:
    """Bookings whose destination lies in the actor's area (a grid's worker: its community's)."""
    own = in_scope(ReturnBooking.area_code.expression, actor.scope)
    if len(actor.scope) > COMMUNITY_DIGITS:
        own = or_(own, ReturnBooking.area_code == actor.scope[:COMMUNITY_DIGITS])
    stmt = select(ReturnBooking).where(own).order_by(ReturnBooking.day, ReturnBooking.id)
    return stmt.where(ReturnBooking.day == day) if day is not None else stmt


def area_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of areas by code, for lists that show where each row belongs."""
    wanted = sorted(code for code in codes if code)
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        names.update({row.code: row.name for row in session.scalars(
            select(Area).where(Area.code.in_(chunk)))})
    return names


def checkpoint_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Checkpoint.id, Checkpoint.name).where(Checkpoint.id.in_(sorted(ids)))
    return {int(row_id): str(name) for row_id, name in session.execute(stmt)}
