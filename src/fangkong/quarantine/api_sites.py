"""The quarantine API, sites part: sites, rooms and occupancy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from fangkong.accounts.schemas import ErrorRead
from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.quarantine.models import Site
from fangkong.quarantine.schemas import (
    AREA_PATTERN,
    Occupancy,
    OccupancyRead,
    RoomRead,
    RoomsCreate,
    RoomUpdate,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)
from fangkong.quarantine.sites import (
    access_room,
    access_site,
    do_add_rooms,
    do_create_site,
    do_delete_room,
    do_delete_site,
    do_set_room_capacity,
    do_update_site,
    list_rooms,
    occupancy_by_area,
    occupancy_by_site,
    sites_stmt,
)
from fangkong.web.deps import DbSession, Principal, require

router = APIRouter(tags=["quarantine"])

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
SiteWriter = Annotated[Principal, Depends(require(Permission.SITE_WRITE))]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RoomId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRead} for status in (401, *statuses)}


def occupancy_read(item: Occupancy) -> OccupancyRead:
    return OccupancyRead(rooms=item.rooms, beds=item.beds, occupied=item.occupied, free=item.free)


def site_read(site: Site, occupancy: Occupancy | None) -> SiteRead:
    read = SiteRead.model_validate(site)
    read.occupancy = occupancy_read(occupancy or Occupancy())
    return read


@router.get("/quarantine/sites", response_model=list[SiteRead], responses=errors(403))
def list_sites(session: DbSession, principal: Reader) -> list[SiteRead]:
    """Sites of the caller's area and of the areas above it, with rooms, beds and occupancy."""
    sites = list(session.scalars(sites_stmt(principal.actor)))
    occupancy = occupancy_by_site(session, [site.id for site in sites])
    return [site_read(site, occupancy[site.id]) for site in sites]


@router.post("/quarantine/sites", status_code=201, response_model=SiteRead,
             responses=errors(403, 422))
def create_site(session: DbSession, principal: SiteWriter, data: SiteCreate) -> SiteRead:
    """A centralised quarantine site (hotel, dormitory) in the caller's area."""
    return site_read(do_create_site(session, actor=principal.actor, data=data), None)


@router.get("/quarantine/occupancy", response_model=dict[str, OccupancyRead],
            responses=errors(403, 404, 422))
def occupancy(
    session: DbSession, principal: Reader, area: Annotated[str, Query(pattern=AREA_PATTERN)],
    digits: Annotated[int, Query(ge=2, le=32, description="cut child codes at")] = 6,
) -> dict[str, OccupancyRead]:
    """Rooms, beds, occupied and free beds of the active sites below an area, per child area."""
    if not principal.actor.sees(area):
        raise NotFound()
    found = occupancy_by_area(session, prefix=area, digits=max(digits, len(area)))
    return {code: occupancy_read(item) for code, item in sorted(found.items())}


@router.get("/quarantine/sites/{site_id}", response_model=SiteRead, responses=errors(403, 404))
def get_site(session: DbSession, principal: Reader, site_id: SiteId) -> SiteRead:
    site = access_site(session, principal.actor, site_id)
    return site_read(site, occupancy_by_site(session, [site.id])[site.id])


@router.patch("/quarantine/sites/{site_id}", response_model=SiteRead,
              responses=errors(403, 404, 422))
def update_site(session: DbSession, principal: SiteWriter, site_id: SiteId,
                data: SiteUpdate) -> SiteRead:
    """Change a site's details, or deactivate it (`active: false`)."""
    site = access_site(session, principal.actor, site_id)
    do_update_site(session, actor=principal.actor, site=site, data=data)
    return site_read(site, occupancy_by_site(session, [site.id])[site.id])


@router.delete("/quarantine/sites/{site_id}", status_code=204, responses=errors(403, 404, 409))
def delete_site(session: DbSession, principal: SiteWriter, site_id: SiteId) -> Response:
    """Delete a site nobody ever stayed at; otherwise deactivate it."""
    site = access_site(session, principal.actor, site_id)
    do_delete_site(session, actor=principal.actor, site=site)
    return Response(status_code=204)


@router.get("/quarantine/sites/{site_id}/rooms", response_model=list[RoomRead],
            responses=errors(403, 404))
def rooms(session: DbSession, principal: Reader, site_id: SiteId) -> list[RoomRead]:
    site = access_site(session, principal.actor, site_id)
    return [RoomRead.model_validate(room) for room in list_rooms(session, site.id)]


@router.post("/quarantine/sites/{site_id}/rooms", status_code=201, response_model=list[RoomRead],
             responses=errors(403, 404, 422))
def add_rooms(session: DbSession, principal: SiteWriter, site_id: SiteId,
              data: RoomsCreate) -> list[RoomRead]:
    """Add rooms of one capacity: numbers like `101-120, 201`."""
    site = access_site(session, principal.actor, site_id)
    added = do_add_rooms(session, actor=principal.actor, site=site, data=data)
    return [RoomRead.model_validate(room) for room in added]


@router.put("/quarantine/rooms/{room_id}", response_model=RoomRead,
            responses=errors(403, 404, 422))
def set_room(session: DbSession, principal: SiteWriter, room_id: RoomId,
             data: RoomUpdate) -> RoomRead:
    """A room's capacity (not below the people in it)."""
    room = access_room(session, principal.actor, room_id)
    return RoomRead.model_validate(do_set_room_capacity(session, actor=principal.actor,
                                                        room=room, capacity=data.capacity))


@router.delete("/quarantine/rooms/{room_id}", status_code=204, responses=errors(403, 404, 409))
def delete_room(session: DbSession, principal: SiteWriter, room_id: RoomId) -> Response:
    room = access_room(session, principal.actor, room_id)
    do_delete_room(session, actor=principal.actor, room=room)
    return Response(status_code=204)
