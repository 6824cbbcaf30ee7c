"""The pages of quarantine sites: the list with occupancy per site and per area, a new site,
one site with its rooms (add rooms, change a room's capacity), its details and deactivation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.areas.models import Area
from fangkong.errors import DomainError
from fangkong.permissions import Permission
from fangkong.quarantine.codes import QuarantineStatus
from fangkong.quarantine.models import Quarantine, Site
from fangkong.quarantine.page_views import common, failed, form_of, multi_form
from fangkong.quarantine.queries import area_names, persons_by_id
from fangkong.quarantine.schemas import RoomsCreate, RoomUpdate, SiteCreate, SiteUpdate
from fangkong.quarantine.sites import (
    access_room,
    access_site,
    do_add_rooms,
    do_create_site,
    do_set_room_capacity,
    do_update_site,
    list_rooms,
    occupancy_by_area,
    occupancy_by_site,
    sites_stmt,
)
from fangkong.scope import Actor, in_scope
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
SiteWriter = Annotated[Principal, Depends(require(Permission.SITE_WRITE))]
CHILD_DIGITS = {4: 6, 6: 9, 9: 12, 12: 15}


def _sites_page(request: Request, session: Session, actor: Actor, *,
                values: dict[str, Any] | None = None,
                error: DomainError | None = None) -> HTMLResponse:
    sites = list(session.scalars(sites_stmt(actor)))
    digits = CHILD_DIGITS.get(len(actor.scope), len(actor.scope) or 4)
    by_area = occupancy_by_area(session, prefix=actor.scope, digits=digits)
    areas = list(session.scalars(select(Area).where(in_scope(Area.code.expression, actor.scope))
                                 .order_by(Area.code).limit(500))) if actor.can(
        Permission.SITE_WRITE) else []
    context = {
        **common(request, actor), "sites": sites,
        "occupancy": occupancy_by_site(session, [site.id for site in sites]),
        "by_area": sorted(by_area.items()),
        "names": area_names(session, {site.area_code for site in sites} | set(by_area)),
        "areas": areas, "form": form_of(values or {"area_code": actor.area_code}, error),
    }
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/sites.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/sites")
def sites_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Sites of the caller's area and the areas above it, and beds per area."""
    return _sites_page(request, session, principal.actor)


@router.post("/quarantine/sites")
async def site_create(request: Request, session: DbSession, principal: SiteWriter) -> Response:
    data = await multi_form(request)
    try:
        with session.begin_nested():
            site = do_create_site(session, actor=principal.actor,
                                  data=validate(SiteCreate, data))
    except DomainError as error:
        return _sites_page(request, session, principal.actor, values=data, error=error)
    return RedirectResponse(f"/quarantine/sites/{site.id}?done=saved", status_code=303)


def _site_page(request: Request, session: Session, actor: Actor, site: Site, *,
               forms: dict[str, Any] | None = None,
               error: DomainError | None = None) -> HTMLResponse:
    rooms = list_rooms(session, site.id)
    residents = list(session.scalars(select(Quarantine).where(
        Quarantine.site_id == site.id, Quarantine.status == QuarantineStatus.ACTIVE.value,
        in_scope(Quarantine.area_code.expression, actor.scope))))
    context = {
        **common(request, actor), "site": site, "rooms": rooms,
        "occupancy": occupancy_by_site(session, [site.id])[site.id],
        "residents": {row.room_id: [] for row in residents},
        "persons": persons_by_id(session, [row.person_id for row in residents]),
        "area_name": area_names(session, {site.area_code}).get(site.area_code, ""),
        "manage": actor.can(Permission.SITE_WRITE) and actor.sees(site.area_code),
        "forms": forms or {"site": form_of({name: getattr(site, name) for name in (
            "name", "kind", "address", "contact", "staff")})},
    }
    for row in residents:
        context["residents"][row.room_id].append(row)
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/site.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/sites/{site_id:int}")
def site_page(request: Request, session: DbSession, principal: Reader,
              site_id: int) -> HTMLResponse:
    """A site: its rooms with capacity and occupants (the persons of the caller's area)."""
    site = access_site(session, principal.actor, site_id)
    return _site_page(request, session, principal.actor, site)


@router.post("/quarantine/sites/{site_id:int}")
async def site_update(request: Request, session: DbSession, principal: SiteWriter,
                      site_id: int) -> Response:
    data = await multi_form(request)
    data["active"] = data.get("active") == "on"
    site = access_site(session, principal.actor, site_id)
    try:
        with session.begin_nested():
            do_update_site(session, actor=principal.actor, site=site,
                           data=validate(SiteUpdate, data))
    except DomainError as error:
        session.refresh(site)
        return _site_page(request, session, principal.actor, site,
                          forms={"site": form_of(data, error)}, error=error)
    return RedirectResponse(f"/quarantine/sites/{site.id}?done=saved", status_code=303)


@router.post("/quarantine/sites/{site_id:int}/rooms")
async def rooms_add(request: Request, session: DbSession, principal: SiteWriter,
                    site_id: int) -> Response:
    data = await multi_form(request)
    site = access_site(session, principal.actor, site_id)
    try:
        with session.begin_nested():
            do_add_rooms(session, actor=principal.actor, site=site,
                         data=validate(RoomsCreate, data))
    except DomainError as error:
        return _site_page(request, session, principal.actor, site,
                          forms={"rooms": form_of(data, error)}, error=error)
    return RedirectResponse(f"/quarantine/sites/{site.id}?done=rooms", status_code=303)


@router.post("/quarantine/rooms/{room_id:int}")
async def room_update(request: Request, session: DbSession, principal: SiteWriter,
                      room_id: int) -> Response:
    data = await multi_form(request)
    room = access_room(session, principal.actor, room_id)
    site = access_site(session, principal.actor, room.site_id)
    try:
        with session.begin_nested():
            do_set_room_capacity(session, actor=principal.actor, room=room,
                                 capacity=validate(RoomUpdate, data).capacity)
    except DomainError as error:
        return _site_page(request, session, principal.actor, site,
                          forms={f"room-{room.id}": form_of(data, error)}, error=error)
    return RedirectResponse(f"/quarantine/sites/{site.id}?done=saved", status_code=303)
