"""The arrivals API, records part: arrivals, contact and routing, figures, quotas, bookings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from fangkong.accounts.schemas import ErrorRead
from fangkong.arrivals.booking import do_set_quota, quota_grid
from fangkong.arrivals.booking_schemas import BookingRead, QuotaRead, QuotaSet
from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.figures import arrival_figures
from fangkong.arrivals.handling import do_confirm_contact, do_route_arrival
from fangkong.arrivals.queries import access_arrival, arrivals_stmt, bookings_stmt
from fangkong.arrivals.registration import check_register_arrivals
from fangkong.arrivals.schemas import (
    AREA_PATTERN,
    ArrivalCreate,
    ArrivalFilter,
    ArrivalRead,
    ContactIn,
    RegisteredRead,
    RouteIn,
)
from fangkong.arrivals.views import arrival_read, booking_read, do_audit_view
from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Page, Paging, paginate

router = APIRouter(tags=["arrivals"])

ArrivalReader = Annotated[Principal, Depends(require(Permission.ARRIVAL_READ))]
ArrivalWriter = Annotated[Principal, Depends(require(Permission.ARRIVAL_WRITE))]
ArrivalContact = Annotated[Principal, Depends(require(Permission.ARRIVAL_CONTACT))]
QuotaWriter = Annotated[Principal, Depends(require(Permission.QUOTA_WRITE))]
BookingReader = Annotated[Principal, Depends(require(Permission.BOOKING_READ))]
ArrivalId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRead} for status in (401, *statuses)}


@router.post("/arrivals", status_code=201, response_model=RegisteredRead,
             responses=errors(403, 404, 422))
def register_arrivals(
    session: DbSession, settings: SettingsDep, principal: ArrivalWriter, data: ArrivalCreate
) -> RegisteredRead:
    """Register a group arriving at one of the caller's checkpoints; the same person's same
    trip on the same day is merged into the record that exists."""
    done = check_register_arrivals(session, actor=principal.actor, settings=settings,
                                   data=data, source=ArrivalSource.STAFF)
    reads = [arrival_read(principal.actor, row) for row in done.arrivals]
    return RegisteredRead(group_code=done.group_code, arrivals=reads, merged=done.merged)


@router.get("/arrivals", response_model=Page[ArrivalRead], responses=errors(403, 422))
def list_arrivals(
    session: DbSession, settings: SettingsDep, principal: ArrivalReader, paging: Paging,
    filters: Annotated[ArrivalFilter, Query()],
) -> Page[ArrivalRead]:
    """Arrivals in the caller's queue (checkpoint staff: registered at their checkpoints),
    pending first by deadline."""
    rows, total = paginate(session, arrivals_stmt(principal.actor, filters, settings), paging)
    return Page[ArrivalRead](items=[arrival_read(principal.actor, row) for row in rows],
                             total=total, page=paging.page, size=paging.size)


@router.get("/arrivals/figures", response_model=dict[str, dict[str, int]],
            responses=errors(403, 404, 422))
def figures(
    session: DbSession, principal: ArrivalReader,
    area: Annotated[str, Query(pattern=AREA_PATTERN)], day: Annotated[date, Query()],
    digits: Annotated[int, Query(ge=2, le=32, description="cut child codes at")] = 6,
) -> dict[str, dict[str, int]]:
    """Arrivals by origin risk, staff or self, and bookings, for the areas below one area."""
    if not principal.actor.sees(area):
        raise NotFound()
    return arrival_figures(session, area, max(digits, len(area)), day)


@router.get("/arrivals/{arrival_id}", response_model=ArrivalRead, responses=errors(403, 404))
def get_arrival(session: DbSession, principal: ArrivalReader, arrival_id: ArrivalId) -> ArrivalRead:
    """One arrival, with its full ID number and phone for those who may identify (audited)."""
    row = access_arrival(session, principal.actor, arrival_id)
    do_audit_view(session, actor=principal.actor, arrival=row)
    return arrival_read(principal.actor, row, reveal=True)


@router.post("/arrivals/{arrival_id}/contact", response_model=ArrivalRead,
             responses=errors(403, 404, 409, 422))
def confirm_contact(
    session: DbSession, principal: ArrivalContact, arrival_id: ArrivalId, data: ContactIn
) -> ArrivalRead:
    """已对接: the community confirms it reached the arrival."""
    row = access_arrival(session, principal.actor, arrival_id)
    return arrival_read(principal.actor,
                        do_confirm_contact(session, actor=principal.actor, arrival=row, data=data))


@router.post("/arrivals/{arrival_id}/route", response_model=ArrivalRead,
             responses=errors(403, 404, 409, 422))
def route_arrival(
    session: DbSession, settings: SettingsDep, principal: ArrivalContact, arrival_id: ArrivalId,
    data: RouteIn,
) -> ArrivalRead:
    """Give an arrival (of the district's queue, say) to a community inside the caller's area."""
    row = access_arrival(session, principal.actor, arrival_id)
    done = do_route_arrival(session, actor=principal.actor, settings=settings, arrival=row,
                            data=data)
    return arrival_read(principal.actor, done)


@router.get("/quotas", response_model=list[QuotaRead], responses=errors(403, 404, 422))
def quotas(
    session: DbSession, principal: BookingReader,
    district: Annotated[str, Query(pattern=AREA_PATTERN)],
    first: Annotated[date, Query()],
    days: Annotated[int, Query(ge=1, le=62)] = 14,
) -> list[QuotaRead]:
    """A district's daily quotas per origin risk level, with the places booked."""
    if not principal.actor.sees(district):
        raise NotFound()
    grid = quota_grid(session, district=district, first=first,
                      last=first + timedelta(days=days - 1))
    return [QuotaRead.model_validate(row) for _, row in sorted(grid.items())]


@router.put("/quotas", response_model=QuotaRead, responses=errors(403, 404, 422))
def set_quota(session: DbSession, principal: QuotaWriter, data: QuotaSet) -> QuotaRead:
    """Set a district's quota for a day and origin risk level (not below what is booked)."""
    return QuotaRead.model_validate(do_set_quota(session, actor=principal.actor, data=data))


@router.get("/bookings", response_model=Page[BookingRead], responses=errors(403, 422))
def bookings(
    session: DbSession, principal: BookingReader, paging: Paging,
    day: Annotated[date | None, Query(description="the booked return day")] = None,
) -> Page[BookingRead]:
    """Booked returns to the caller's area (expected arrivals)."""
    rows, total = paginate(session, bookings_stmt(principal.actor, day), paging)
    return Page[BookingRead](items=[booking_read(principal.actor, row) for row in rows],
                             total=total, page=paging.page, size=paging.size)
