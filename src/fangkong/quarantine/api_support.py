"""The quarantine API, life-support part: requests (create, assign, deliver, cancel) and notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from fangkong.db import utcnow
from fangkong.permissions import Permission
from fangkong.quarantine.api_sites import errors
from fangkong.quarantine.queries import access_quarantine
from fangkong.quarantine.schemas import (
    NoteCreate,
    NoteRead,
    SupportAssign,
    SupportCancel,
    SupportCreate,
    SupportDeliver,
    SupportFilter,
    SupportRead,
)
from fangkong.quarantine.support import (
    access_support,
    do_add_note,
    do_assign_support,
    do_cancel_support,
    do_deliver_support,
    do_request_support,
    list_notes,
    support_stmt,
)
from fangkong.quarantine.views import support_read
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Page, Paging, paginate

router = APIRouter(tags=["quarantine"])

SupportReader = Annotated[Principal, Depends(require(Permission.SUPPORT_READ))]
SupportWriter = Annotated[Principal, Depends(require(Permission.SUPPORT_WRITE))]
QuarantineId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SupportId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/quarantine/support", response_model=Page[SupportRead], responses=errors(403, 422))
def list_support(
    session: DbSession, principal: SupportReader, paging: Paging,
    filters: Annotated[SupportFilter, Query()],
) -> Page[SupportRead]:
    """生活保障 requests in the caller's area: open first, overdue first, then by deadline."""
    now = utcnow()
    rows, total = paginate(session, support_stmt(principal.actor, filters, now), paging)
    return Page[SupportRead](items=[support_read(row, now) for row in rows], total=total,
                             page=paging.page, size=paging.size)


@router.post("/quarantine/support/{support_request_id}/assign", response_model=SupportRead,
             responses=errors(403, 404, 409, 422))
def assign(session: DbSession, principal: SupportWriter, support_request_id: SupportId,
           data: SupportAssign) -> SupportRead:
    """Give the request to a user of the caller's area, or to a person named in words."""
    row = access_support(session, principal.actor, support_request_id)
    do_assign_support(session, actor=principal.actor, request=row, data=data)
    return support_read(row, utcnow())


@router.post("/quarantine/support/{support_request_id}/deliver", response_model=SupportRead,
             responses=errors(403, 404, 409, 422))
def deliver(session: DbSession, settings: SettingsDep, principal: SupportWriter,
            support_request_id: SupportId, data: SupportDeliver) -> SupportRead:
    """Delivered: the caller and the time are recorded."""
    row = access_support(session, principal.actor, support_request_id)
    do_deliver_support(session, actor=principal.actor, request=row, note=data.note,
                       zone=settings.zone)
    return support_read(row, utcnow())


@router.post("/quarantine/support/{support_request_id}/cancel", response_model=SupportRead,
             responses=errors(403, 404, 409, 422))
def cancel(session: DbSession, principal: SupportWriter, support_request_id: SupportId,
           data: SupportCancel) -> SupportRead:
    row = access_support(session, principal.actor, support_request_id)
    do_cancel_support(session, actor=principal.actor, request=row, reason=data.reason)
    return support_read(row, utcnow())


@router.post("/quarantine/{quarantine_id}/support", status_code=201, response_model=SupportRead,
             responses=errors(403, 404, 409, 422))
def request_support(session: DbSession, settings: SettingsDep, principal: SupportWriter,
                    quarantine_id: QuarantineId, data: SupportCreate) -> SupportRead:
    """A request for the quarantined person's household; due by the policy's hours."""
    quarantine = access_quarantine(session, principal.actor, quarantine_id)
    row = do_request_support(session, actor=principal.actor, quarantine=quarantine, data=data,
                             zone=settings.zone)
    return support_read(row, utcnow())


@router.get("/quarantine/{quarantine_id}/notes", response_model=list[NoteRead],
            responses=errors(403, 404))
def notes(session: DbSession, principal: SupportReader,
          quarantine_id: QuarantineId) -> list[NoteRead]:
    """思想工作 and 心理疏导 notes of the quarantined person, newest first."""
    quarantine = access_quarantine(session, principal.actor, quarantine_id)
    return [NoteRead.model_validate(note) for note in list_notes(session, quarantine.person_id)
            if principal.actor.sees(note.area_code)]


@router.post("/quarantine/{quarantine_id}/notes", status_code=201, response_model=NoteRead,
             responses=errors(403, 404, 422))
def add_note(session: DbSession, principal: SupportWriter, quarantine_id: QuarantineId,
             data: NoteCreate) -> NoteRead:
    quarantine = access_quarantine(session, principal.actor, quarantine_id)
    return NoteRead.model_validate(do_add_note(session, actor=principal.actor,
                                               quarantine=quarantine, data=data))
