"""The quarantine API: quarantines (list, get, start, extend, release, transfer, end early),
personal check links, checks (the benchmarked submission) and a quarantine's alerts. Sites,
life support and the lists are in the modules included first (their fixed paths must come
before `/quarantine/{quarantine_id}`)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from fangkong.permissions import Permission
from fangkong.quarantine import api_lists, api_sites, api_support
from fangkong.quarantine.actions import (
    do_end_early,
    do_extend_quarantine,
    do_issue_check_link,
    do_revoke_check_link,
    do_start_group,
    do_transfer_to_hospital,
)
from fangkong.quarantine.alerts import alerts_of_checks, list_alerts_of
from fangkong.quarantine.api_sites import errors
from fangkong.quarantine.checks import list_checks
from fangkong.quarantine.models import Quarantine, Room, Site
from fangkong.quarantine.queries import access_quarantine, quarantine_reads, quarantines_stmt
from fangkong.quarantine.release import do_release
from fangkong.quarantine.schemas import (
    AlertRead,
    CheckIn,
    CheckLinkRead,
    CheckRead,
    EndEarlyIn,
    ExtendIn,
    QuarantineFilter,
    QuarantineRead,
    QuarantineStart,
    ReleaseIn,
    TransferIn,
)
from fangkong.quarantine.sites import access_room, access_site
from fangkong.quarantine.submit import submit_check
from fangkong.quarantine.views import check_read
from fangkong.quarantine.windows import CheckPolicy
from fangkong.registry.queries import access_person
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, SettingsDep, UnitSession, require
from fangkong.web.pagination import Page, Paging, paginate
from fangkong.web.units import run_unit

router = APIRouter(tags=["quarantine"])
router.include_router(api_sites.router)
router.include_router(api_support.router)
router.include_router(api_lists.router)

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.QUARANTINE_WRITE))]
Checker = Annotated[Principal, Depends(require(Permission.CHECK_WRITE))]
AlertReader = Annotated[Principal, Depends(require(Permission.ALERT_READ))]
QuarantineId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/quarantine", response_model=Page[QuarantineRead], responses=errors(403, 422))
def list_quarantines(
    session: DbSession, principal: Reader, paging: Paging,
    filters: Annotated[QuarantineFilter, Query()],
) -> Page[QuarantineRead]:
    """Quarantines of the caller's area (active ones by default), ending soonest first."""
    rows, total = paginate(session, quarantines_stmt(principal.actor, filters), paging)
    return Page[QuarantineRead](items=quarantine_reads(session, rows), total=total,
                                page=paging.page, size=paging.size)


def _place(session: DbSession, actor: Actor, data: QuarantineStart) -> tuple[
    Site | None, Room | None
]:
    room = access_room(session, actor, data.room_id) if data.room_id is not None else None
    site = access_site(session, actor, data.site_id) if data.site_id is not None else None
    return site, room


@router.post("/quarantine", status_code=201, response_model=list[QuarantineRead],
             responses=errors(403, 404, 409, 422))
def start_quarantine(session: DbSession, settings: SettingsDep, principal: Writer,
                     data: QuarantineStart) -> list[QuarantineRead]:
    """Order a quarantine or health monitoring for a person, and for the household members
    given in `together_with` (one room for all in a centralised quarantine). A full site
    answers 409 `quarantine.site_full`, naming sites with free beds."""
    actor = principal.actor
    persons = [access_person(session, actor, person_id)
               for person_id in dict.fromkeys([data.person_id, *data.together_with])]
    site, room = _place(session, actor, data)
    started = do_start_group(session, actor=actor, persons=persons, kind=data.kind,
                             start=data.starts_on, site=site, room=room,
                             home_address=data.home_address, note=data.note, days=data.days,
                             zone=settings.zone)
    return quarantine_reads(session, started)


@router.get("/quarantine/{quarantine_id}", response_model=QuarantineRead,
            responses=errors(403, 404))
def get_quarantine(session: DbSession, principal: Reader,
                   quarantine_id: QuarantineId) -> QuarantineRead:
    return quarantine_reads(session, [access_quarantine(session, principal.actor,
                                                        quarantine_id)])[0]


def _one(session: DbSession, row: Quarantine) -> QuarantineRead:
    return quarantine_reads(session, [row])[0]


@router.post("/quarantine/{quarantine_id}/extend", response_model=QuarantineRead,
             responses=errors(403, 404, 409, 422))
def extend(session: DbSession, principal: Writer, quarantine_id: QuarantineId,
           data: ExtendIn) -> QuarantineRead:
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_extend_quarantine(session, actor=principal.actor, quarantine=row, days=data.days,
                         reason=data.reason)
    return _one(session, row)


@router.post("/quarantine/{quarantine_id}/release", response_model=QuarantineRead,
             responses=errors(403, 404, 409, 422))
def release(session: DbSession, settings: SettingsDep, principal: Writer,
            quarantine_id: QuarantineId, data: ReleaseIn) -> QuarantineRead:
    """解除隔离 on or after the planned end; when the rule is not met, `override_reason`."""
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_release(session, actor=principal.actor, quarantine=row, note=data.note,
               override_reason=data.override_reason, zone=settings.zone)
    return _one(session, row)


@router.post("/quarantine/{quarantine_id}/transfer", response_model=QuarantineRead,
             responses=errors(403, 404, 409, 422))
def transfer(session: DbSession, settings: SettingsDep, principal: Writer,
             quarantine_id: QuarantineId, data: TransferIn) -> QuarantineRead:
    """转送医院: where to and why."""
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_transfer_to_hospital(session, actor=principal.actor, quarantine=row,
                            hospital=data.hospital, reason=data.reason, zone=settings.zone)
    return _one(session, row)


@router.post("/quarantine/{quarantine_id}/end-early", response_model=QuarantineRead,
             responses=errors(403, 404, 409, 422))
def end_early(session: DbSession, settings: SettingsDep, principal: Writer,
              quarantine_id: QuarantineId, data: EndEarlyIn) -> QuarantineRead:
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_end_early(session, actor=principal.actor, quarantine=row, reason=data.reason,
                 zone=settings.zone)
    return _one(session, row)


@router.post("/quarantine/{quarantine_id}/check-link", status_code=201,
             response_model=CheckLinkRead, responses=errors(403, 404, 409))
def issue_link(session: DbSession, principal: Checker,
               quarantine_id: QuarantineId) -> CheckLinkRead:
    """A new personal check link (the previous one stops working); shown only now."""
    row = access_quarantine(session, principal.actor, quarantine_id)
    path = do_issue_check_link(session, actor=principal.actor, quarantine=row)
    return CheckLinkRead(path=path, token=path.rsplit("/", 1)[1])


@router.delete("/quarantine/{quarantine_id}/check-link", status_code=204,
               responses=errors(403, 404))
def revoke_link(session: DbSession, principal: Checker, quarantine_id: QuarantineId) -> Response:
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_revoke_check_link(session, actor=principal.actor, quarantine=row)
    return Response(status_code=204)


@router.post("/quarantine/{quarantine_id}/checks", status_code=201, response_model=CheckRead,
             responses=errors(403, 404, 409, 422))
async def record_check(request: Request, session: UnitSession, quarantine_id: QuarantineId,
                       data: CheckIn) -> Response:
    """健康监测打卡 (`check:write`): temperature (34–43 °C) and symptoms, counted for the
    policy window the local time falls in (outside every window: the nearest previous one,
    `outside_window`). A fever or a symptom raises an alert at once (`alert`)."""
    read = await run_unit(request, partial(submit_check, request, session,
                                           quarantine_id=quarantine_id, data=data))
    return JSONResponse(read.model_dump(mode="json"), status_code=201)


@router.get("/quarantine/{quarantine_id}/checks", response_model=list[CheckRead],
            responses=errors(403, 404))
def checks(session: DbSession, settings: SettingsDep, principal: Reader,
           quarantine_id: QuarantineId) -> list[CheckRead]:
    """The quarantine's checks, newest first, with the alert each raised."""
    row = access_quarantine(session, principal.actor, quarantine_id)
    found = list_checks(session, row.id)
    raised = alerts_of_checks(session, [check.id for check in found])
    policy = CheckPolicy.load(session)
    return [check_read(check, inside=policy.slot(check.checked_at, settings.zone).inside,
                       alert=raised.get(check.id)) for check in found]


@router.get("/quarantine/{quarantine_id}/alerts", response_model=list[AlertRead],
            responses=errors(403, 404))
def quarantine_alerts(session: DbSession, principal: AlertReader,
                      quarantine_id: QuarantineId) -> list[AlertRead]:
    row = access_quarantine(session, principal.actor, quarantine_id)
    return [AlertRead.model_validate(alert) for alert in list_alerts_of(session, row.id)]
