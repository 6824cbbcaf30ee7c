"""Reads of quarantines, each restricted to the caller's area, and what the pages show of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.errors import NotFound
from fangkong.quarantine.actions import link_is_live
from fangkong.quarantine.codes import QuarantineStatus
from fangkong.quarantine.models import Extension, HealthCheck, Quarantine, Room, Site
from fangkong.quarantine.schemas import QuarantineFilter, QuarantineRead
from fangkong.quarantine.windows import CheckPolicy
from fangkong.registry.models import Person
from fangkong.registry.validators import mask_id_number
from fangkong.scope import Actor, in_scope


def access_quarantine(session: Session, actor: Actor, quarantine_id: int) -> Quarantine:
    """A quarantine in the actor's area; NotFound for a missing one and one outside it."""
    quarantine = session.get(Quarantine, quarantine_id) if 0 < quarantine_id < 2**63 else None
    if quarantine is None or not actor.sees(quarantine.area_code):
        raise NotFound()
    return quarantine


def quarantines_stmt(actor: Actor, filters: QuarantineFilter) -> Select[Quarantine]:
    """Quarantines in the actor's area, those ending soonest first."""
    stmt = (select(Quarantine).where(in_scope(Quarantine.area_code.expression, actor.scope))
            .order_by(Quarantine.planned_end, Quarantine.id))
    if filters.status is not None:
        stmt = stmt.where(Quarantine.status == filters.status.value)
    if filters.kind is not None:
        stmt = stmt.where(Quarantine.kind == filters.kind.value)
    if filters.area:
        stmt = stmt.where(in_scope(Quarantine.area_code.expression, filters.area))
    if filters.site_id is not None:
        stmt = stmt.where(Quarantine.site_id == filters.site_id)
    if filters.ending_by is not None:
        stmt = stmt.where(Quarantine.planned_end <= filters.ending_by)
    if filters.q:
        person_ids = select(Person.id).where(Person.name.contains(filters.q.strip(),
                                                                  autoescape=True))
        stmt = stmt.where(Quarantine.person_id.in_(person_ids))
    return stmt


def active_of(session: Session, person_id: int) -> Quarantine | None:
    return session.scalar(select(Quarantine).where(
        Quarantine.person_id == person_id, Quarantine.status == QuarantineStatus.ACTIVE.value))


def persons_by_id(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {person.id: person for person in session.scalars(
        select(Person).where(Person.id.in_(wanted)))}


def rooms_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Room]:
    wanted = {room_id for room_id in ids if room_id is not None}
    if not wanted:
        return {}
    return {room.id: room for room in session.scalars(select(Room).where(Room.id.in_(wanted)))}


def sites_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Site]:
    wanted = {site_id for site_id in ids if site_id is not None}
    if not wanted:
        return {}
    return {site.id: site for site in session.scalars(select(Site).where(Site.id.in_(wanted)))}


def area_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes)
    if not wanted:
        return {}
    stmt = select(Area.code, Area.name).where(Area.code.in_(wanted))
    return dict(session.execute(stmt).all())


def quarantine_reads(session: Session, rows: Sequence[Quarantine]) -> list[QuarantineRead]:
    """The API's view of quarantines: persons and rooms read in two queries, not per row."""
    persons = persons_by_id(session, (row.person_id for row in rows))
    rooms = rooms_by_id(session, (row.room_id for row in rows))
    return [quarantine_read(row, persons.get(row.person_id), rooms.get(row.room_id or 0))
            for row in rows]


def quarantine_read(quarantine: Quarantine, person: Person | None,
                    room: Room | None) -> QuarantineRead:
    return QuarantineRead(
        id=quarantine.id, person_id=quarantine.person_id,
        person_name=person.name if person else "",
        id_number=mask_id_number(person.id_number) if person and person.id_number else None,
        area_code=quarantine.area_code, kind=quarantine.kind, site_id=quarantine.site_id,
        room_id=quarantine.room_id, room_number=room.number if room else None,
        home_address=quarantine.home_address, starts_on=quarantine.starts_on,
        planned_end=quarantine.planned_end, status=quarantine.status, source=quarantine.source,
        source_id=quarantine.source_id, ordered_by_name=quarantine.ordered_by_name,
        ordered_at=quarantine.ordered_at, order_note=quarantine.order_note,
        ended_at=quarantine.ended_at, end_reason=quarantine.end_reason,
        hospital=quarantine.hospital, check_link=link_is_live(quarantine))


def list_extensions(session: Session, quarantine_id: int) -> list[Extension]:
    stmt = select(Extension).where(Extension.quarantine_id == quarantine_id).order_by(
        Extension.at, Extension.id)
    return list(session.scalars(stmt))


def active_counts(session: Session, actor: Actor) -> dict[str, int]:
    """Active quarantines in the actor's area by kind."""
    stmt = (select(Quarantine.kind, func.count())
            .where(in_scope(Quarantine.area_code.expression, actor.scope),
                   Quarantine.status == QuarantineStatus.ACTIVE.value)
            .group_by(Quarantine.kind))
    return {kind: int(count) for kind, count in session.execute(stmt)}


def ending_between(session: Session, actor: Actor, first: date, last: date) -> list[Quarantine]:
    stmt = (select(Quarantine).where(in_scope(Quarantine.area_code.expression, actor.scope),
                                     Quarantine.status == QuarantineStatus.ACTIVE.value,
                                     Quarantine.planned_end >= first,
                                     Quarantine.planned_end <= last)
            .order_by(Quarantine.planned_end, Quarantine.id).limit(200))
    return list(session.scalars(stmt))


# --- the checks timeline --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One window of one day on the timeline: its checks, or missing once it has closed."""

    day: date
    window: int
    label: str
    checks: list[HealthCheck]
    closed: bool
    expected: bool

    @property
    def missing(self) -> bool:
        return self.expected and self.closed and not self.checks


def timeline(quarantine: Quarantine, checks: Sequence[HealthCheck], policy: CheckPolicy,
             now: datetime, zone: ZoneInfo, *, days: int = 14) -> list[list[Cell]]:
    """Rows of days (newest first) × windows, from the start to today (or the end)."""
    by_slot: dict[tuple[date, int], list[HealthCheck]] = {}
    for check in checks:
        by_slot.setdefault((check.day, check.window), []).append(check)
    end_moment = quarantine.ended_at or now
    last = min(end_moment.astimezone(zone).date(), quarantine.planned_end)
    earliest = min([quarantine.starts_on, *(check.day for check in checks)])
    last = max([last, *(check.day for check in checks)])
    first = max(earliest, last - timedelta(days=days - 1))
    rows: list[list[Cell]] = []
    day = last
    while day >= first:
        rows.append([_cell(quarantine, by_slot, policy=policy, day=day, index=index, end=end_moment,
                           zone=zone)
                     for index in range(len(policy.windows))])
        day -= timedelta(days=1)
    return rows


def _cell(quarantine: Quarantine, by_slot: dict[tuple[date, int], list[HealthCheck]], *,
          policy: CheckPolicy, day: date, index: int, end: datetime, zone: ZoneInfo) -> Cell:
    window = policy.windows[index]
    closes = window.closes_at(day, zone)
    label = f"{window.start:%H:%M}–{window.end:%H:%M}"
    return Cell(day=day, window=index, label=label, checks=by_slot.get((day, index), []),
                closed=closes <= end, expected=closes > quarantine.ordered_at)
