"""Centralised quarantine sites (集中隔离点) and their rooms: who may use which site, rooms with
capacity, beds taken and given back atomically, occupancy per site and per area."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.areas.models import Area
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.quarantine.models import Quarantine, Room, Site
from fangkong.quarantine.schemas import Occupancy, RoomsCreate, SiteCreate, SiteUpdate
from fangkong.scope import Actor, in_scope

MAX_ROOMS_AT_ONCE = 500
DISTRICT_DIGITS = 6
SUGGESTIONS = 5


class SiteFull(Conflict):
    code = "quarantine.site_full"

    @classmethod
    def default_message(cls) -> str:
        return N_("This site has no room with enough free beds.")


class RoomFull(Conflict):
    code = "quarantine.room_full"

    @classmethod
    def default_message(cls) -> str:
        return N_("This room has not enough free beds.")


class NoFreeBeds(Conflict):
    code = "quarantine.no_free_beds"

    @classmethod
    def default_message(cls) -> str:
        return N_("No quarantine site you may use has a room with enough free beds.")


class SiteInUse(Conflict):
    code = "quarantine.site_in_use"

    @classmethod
    def default_message(cls) -> str:
        return N_("People have stayed at this site or room; deactivate it instead.")


class SiteInvalid(Invalid):
    code = "quarantine.site_invalid"


# --- who sees which site --------------------------------------------------------------------


def site_visible(actor: Actor) -> ColumnElement[bool]:
    """Sites inside the actor's area, and those of the areas above it (a district's hotel
    serves its communities): never a site of another branch of the tree."""
    column = Site.area_code.expression
    return or_(in_scope(column, actor.scope), literal(actor.scope).startswith(column))


def sites_stmt(actor: Actor, *, active_only: bool = False) -> Select[Site]:
    stmt = select(Site).where(site_visible(actor)).order_by(Site.area_code, Site.name, Site.id)
    return stmt.where(Site.active.is_(True)) if active_only else stmt


def access_site(session: Session, actor: Actor, site_id: int) -> Site:
    """A site the actor may see; NotFound for a missing one and one of another branch."""
    site = session.get(Site, site_id) if 0 < site_id < 2**31 else None
    if site is None or not (actor.sees(site.area_code) or actor.scope.startswith(site.area_code)):
        raise NotFound()
    return site


def _require_manage(actor: Actor, site: Site) -> None:
    """Changing a site: `site:write`, and the site inside the actor's own area."""
    actor.require(Permission.SITE_WRITE)
    if not actor.sees(site.area_code):
        raise NotFound()


def access_room(session: Session, actor: Actor, room_id: int) -> Room:
    room = session.get(Room, room_id) if 0 < room_id < 2**31 else None
    if room is None:
        raise NotFound()
    access_site(session, actor, room.site_id)
    return room


# --- sites ----------------------------------------------------------------------------------


def _site_area(session: Session, actor: Actor, code: str) -> Area:
    area = session.get(Area, code)
    if area is None or not actor.sees(code):
        message = N_("Choose an area inside your area.")
        raise SiteInvalid(message, fields={"area_code": message})
    return area


def do_create_site(session: Session, *, actor: Actor, data: SiteCreate) -> Site:
    actor.require(Permission.SITE_WRITE)
    area = _site_area(session, actor, data.area_code)
    site = Site(name=data.name.strip(), kind=data.kind.value, area_code=area.code,
                address=data.address.strip(), contact=data.contact.strip(),
                staff=data.staff.strip(), active=True)
    session.add(site)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="quarantine_site",
             record_id=site.id, area_code=site.area_code, detail=data.model_dump(mode="json"))
    return site


def do_update_site(session: Session, *, actor: Actor, site: Site, data: SiteUpdate) -> Site:
    _require_manage(actor, site)
    given = data.model_dump(exclude_unset=True, exclude_none=True, mode="json")
    before = {name: getattr(site, name) for name in given}
    for name, value in given.items():
        setattr(site, name, value.strip() if isinstance(value, str) else value)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine_site",
             record_id=site.id, area_code=site.area_code, detail=changes(before, given))
    return site


def do_delete_site(session: Session, *, actor: Actor, site: Site) -> None:
    """Delete a site nobody ever stayed at (its rooms go with it)."""
    _require_manage(actor, site)
    if session.scalar(select(Quarantine.id).where(Quarantine.site_id == site.id).limit(1)):
        raise SiteInUse()
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="quarantine_site",
             record_id=site.id, area_code=site.area_code, detail={"name": site.name})
    for room in session.scalars(select(Room).where(Room.site_id == site.id)):
        session.delete(room)
    session.delete(site)
    session.flush()


# --- rooms ----------------------------------------------------------------------------------


def parse_room_numbers(text: str) -> list[str]:
    """`101-105, 201, A3` -> the numbers, in order, without repeats."""
    numbers: list[str] = []
    for part in re.split(r"[,，;；\s]+", text.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,6})\s*[-~～–]\s*(\d{1,6})", part)
        if match and int(match[1]) <= int(match[2]):
            width = len(match[1])
            numbers.extend(str(n).zfill(width) for n in range(int(match[1]), int(match[2]) + 1))
        elif re.fullmatch(r"[0-9A-Za-z\-]{1,20}", part):
            numbers.append(part)
        else:
            _bad_rooms(N_("Room numbers are digits or letters, or ranges like 101-120."))
        if len(numbers) > MAX_ROOMS_AT_ONCE:
            _bad_rooms(N_("Add at most 500 rooms at once."))
    return list(dict.fromkeys(numbers))


def _bad_rooms(message: str, **params: object) -> NoReturn:
    field = N_("These room numbers cannot be added.") if params else message
    raise SiteInvalid(message, fields={"numbers": field}, params=params)


def do_add_rooms(session: Session, *, actor: Actor, site: Site, data: RoomsCreate) -> list[Room]:
    """Add rooms of one capacity; numbers the site has already are refused."""
    _require_manage(actor, site)
    numbers = parse_room_numbers(data.numbers)
    if not numbers:
        _bad_rooms(N_("This field is required."))
    taken = set(session.scalars(select(Room.number).where(Room.site_id == site.id,
                                                          Room.number.in_(numbers))))
    if taken:
        _bad_rooms(N_("These room numbers exist already: %(numbers)s"),
                   numbers=", ".join(sorted(taken)[:20]))
    rooms = [Room(site_id=site.id, area_code=site.area_code, number=number,
                  capacity=data.capacity, occupants=0) for number in numbers]
    session.add_all(rooms)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="quarantine_room",
             record_id=site.id, area_code=site.area_code,
             detail={"numbers": numbers, "capacity": data.capacity})
    return rooms


def do_set_room_capacity(session: Session, *, actor: Actor, room: Room, capacity: int) -> Room:
    """A room's capacity; never below the people in it now (checked in the UPDATE itself)."""
    site = session.get(Site, room.site_id)
    assert site is not None  # noqa: S101 - a room's foreign key
    _require_manage(actor, site)
    before = room.capacity
    done = session.execute(update(Room).where(Room.id == room.id, Room.occupants <= capacity)
                           .values(capacity=capacity).execution_options(synchronize_session=False))
    if _rowcount(done) != 1:
        message = N_("The room has more people in it than that.")
        raise SiteInvalid(message, fields={"capacity": message})
    session.refresh(room)
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="quarantine_room",
             record_id=room.id, area_code=room.area_code, detail={"capacity": [before, capacity]})
    return room


def do_delete_room(session: Session, *, actor: Actor, room: Room) -> None:
    site = session.get(Site, room.site_id)
    assert site is not None  # noqa: S101 - a room's foreign key
    _require_manage(actor, site)
    if room.occupants or session.scalar(
            select(Quarantine.id).where(Quarantine.room_id == room.id).limit(1)):
        raise SiteInUse()
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="quarantine_room",
             record_id=room.id, area_code=room.area_code, detail={"number": room.number})
    session.delete(room)
    session.flush()


def list_rooms(session: Session, site_id: int) -> list[Room]:
    stmt = select(Room).where(Room.site_id == site_id).order_by(Room.number, Room.id)
    return list(session.scalars(stmt))


# --- beds -----------------------------------------------------------------------------------


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def take_beds(session: Session, room: Room, count: int) -> bool:
    """Take `count` beds of a room if it has them free: one conditional UPDATE, so two people
    placed at once can never overfill a room."""
    done = session.execute(
        update(Room).where(Room.id == room.id, Room.occupants + count <= Room.capacity)
        .values(occupants=Room.occupants + count).execution_options(synchronize_session=False))
    if _rowcount(done) == 1:
        session.expire(room, ["occupants"])
        return True
    return False


def free_bed(session: Session, room_id: int) -> None:
    session.execute(update(Room).where(Room.id == room_id, Room.occupants > 0)
                    .values(occupants=Room.occupants - 1)
                    .execution_options(synchronize_session=False))
    room = session.get(Room, room_id)
    if room is not None:
        session.expire(room, ["occupants"])


def allocate(session: Session, *, site: Site, room: Room | None, count: int,
             actor: Actor) -> Room:
    """Beds for `count` people together: in the given room, else in the room of the site with
    the fewest free beds that still fit them (families fill family rooms)."""
    if not site.active:
        raise SiteFull(fields={"site_id": SiteFull.default_message()})
    if room is not None:
        if room.site_id != site.id or not take_beds(session, room, count):
            raise RoomFull(fields={"room_id": RoomFull.default_message()})
        return room
    free = Room.capacity - Room.occupants
    candidates = session.scalars(select(Room).where(Room.site_id == site.id, free >= count)
                                 .order_by(free, Room.number).limit(20))
    for candidate in candidates:
        if take_beds(session, candidate, count):
            return candidate
    raise site_full(session, actor=actor, site=site, count=count)


def site_full(session: Session, *, actor: Actor, site: Site, count: int) -> SiteFull:
    """The error for a full site, naming other sites with free beds, same district first."""
    others = suggest_sites(session, actor=actor, near=site.area_code, count=count,
                           exclude=site.id)
    if not others:
        return SiteFull(N_("%(site)s is full, and no other site has free beds."),
                        params={"site": site.name}, fields={"site_id": SiteFull.default_message()})
    listing = ", ".join(f"{other.name} ({free})" for other, free in others)
    return SiteFull(N_("%(site)s is full. Sites with free beds: %(sites)s."),
                    params={"site": site.name, "sites": listing},
                    fields={"site_id": SiteFull.default_message()})


def suggest_sites(session: Session, *, actor: Actor, near: str, count: int,
                  exclude: int | None = None, limit: int = SUGGESTIONS) -> list[tuple[Site, int]]:
    """Active sites the actor may use with a room of `count` free beds: those sharing the
    longest code prefix with `near` first (same community, street, district), then most free."""
    free = func.sum(Room.capacity - Room.occupants)
    closeness = case(*((Site.area_code.startswith(near[:n]), n)
                       for n in sorted({len(near), 12, 9, DISTRICT_DIGITS, 4}, reverse=True)
                       if n <= len(near)), else_=0)
    stmt = (select(Site, free).join(Room, Room.site_id == Site.id)
            .where(site_visible(actor), Site.active.is_(True))
            .group_by(Site.id).having(func.max(Room.capacity - Room.occupants) >= count)
            .order_by(closeness.desc(), free.desc(), Site.id).limit(limit))
    if exclude is not None:
        stmt = stmt.where(Site.id != exclude)
    return [(site, int(beds)) for site, beds in session.execute(stmt)]


# --- occupancy ------------------------------------------------------------------------------


def _occupancy_columns() -> tuple[Any, ...]:
    return (func.count(Room.id), func.coalesce(func.sum(Room.capacity), 0),
            func.coalesce(func.sum(Room.occupants), 0))


def occupancy_by_site(session: Session, site_ids: list[int]) -> dict[int, Occupancy]:
    if not site_ids:
        return {}
    stmt = (select(Room.site_id, *_occupancy_columns()).where(Room.site_id.in_(site_ids))
            .group_by(Room.site_id))
    found = {site_id: Occupancy(rooms=rooms, beds=int(beds), occupied=int(taken))
             for site_id, rooms, beds, taken in session.execute(stmt)}
    return {site_id: found.get(site_id, Occupancy()) for site_id in site_ids}


def occupancy_by_area(session: Session, *, prefix: str, digits: int) -> dict[str, Occupancy]:
    """Rooms, beds and occupied beds of the active sites under `prefix`, per child area (the
    site's code cut at `digits`; a site of a higher level counts under its own code)."""
    child = func.substr(Room.area_code, 1, digits)
    stmt = (select(child, *_occupancy_columns()).join(Site, Site.id == Room.site_id)
            .where(in_scope(Room.area_code.expression, prefix), Site.active.is_(True))
            .group_by(child))
    return {code: Occupancy(rooms=rooms, beds=int(beds), occupied=int(taken))
            for code, rooms, beds, taken in session.execute(stmt)}


def site_occupancy_total(session: Session, actor: Actor) -> Occupancy:
    stmt = (select(*_occupancy_columns()).join(Site, Site.id == Room.site_id)
            .where(and_(site_visible(actor), Site.active.is_(True))))
    rooms, beds, taken = session.execute(stmt).one()
    return Occupancy(rooms=rooms, beds=int(beds), occupied=int(taken))
