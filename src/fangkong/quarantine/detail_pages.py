"""What is done on one quarantine's page: a check, extend, release, transfer to hospital, end
early, the personal check link (shown once, with its QR code), a life-support request, a note.
A refused form shows the page again with the fields at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.arrivals.qr import qr_svg
from fangkong.errors import DomainError
from fangkong.permissions import Permission
from fangkong.quarantine.actions import (
    do_end_early,
    do_extend_quarantine,
    do_issue_check_link,
    do_revoke_check_link,
    do_transfer_to_hospital,
)
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.models import Quarantine
from fangkong.quarantine.page_views import common, failed, form_of, multi_form, quarantine_context
from fangkong.quarantine.queries import access_quarantine
from fangkong.quarantine.release import do_release
from fangkong.quarantine.schemas import (
    CheckIn,
    EndEarlyIn,
    ExtendIn,
    NoteCreate,
    ReleaseIn,
    SupportCreate,
    TransferIn,
)
from fangkong.quarantine.support import do_add_note, do_request_support
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = page_router()

Writer = Annotated[Principal, Depends(require(Permission.QUARANTINE_WRITE))]
Checker = Annotated[Principal, Depends(require(Permission.CHECK_WRITE))]
SupportWriter = Annotated[Principal, Depends(require(Permission.SUPPORT_WRITE))]


def render_quarantine(
    request: Request, session: Session, actor: Actor, row: Quarantine, *,
    forms: dict[str, Any] | None = None, error: DomainError | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {**common(request, actor),
               **quarantine_context(session, actor, row, zone=request.state.tr.zone),
               "forms": forms or {}, **(extra or {})}
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/quarantine.html", context,
                  status_code=error.status if error is not None else 200)


def _act(
    request: Request, session: Session, actor: Actor, row: Quarantine, *, form: str,
    data: dict[str, Any], schema: type[BaseModel], work: Callable[[Any], str],
) -> Response:
    """Validate the form, do the work in a savepoint, go back to the page with what was done;
    a refusal shows the page again with this form's fields at fault."""
    try:
        with session.begin_nested():
            done = work(validate(schema, data))
    except DomainError as error:
        session.refresh(row)
        return render_quarantine(request, session, actor, row,
                                 forms={form: form_of(data, error)}, error=error)
    return RedirectResponse(f"/quarantine/{row.id}?done={done}", status_code=303)


@router.post("/quarantine/{quarantine_id:int}/checks")
async def check_submit(request: Request, session: DbSession, principal: Checker,
                       quarantine_id: int) -> Response:
    data = await multi_form(request, "symptoms")
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(check: CheckIn) -> str:
        done = do_record_check(session, actor=actor, quarantine=row,
                               temperature=check.temperature, symptoms=check.symptoms,
                               notes=check.notes, zone=request.state.tr.zone)
        return "alert" if done.alert is not None else ("check" if done.inside else "late")

    return _act(request, session, actor, row, form="check", data=data, schema=CheckIn,
                work=work)


@router.post("/quarantine/{quarantine_id:int}/extend")
async def extend_submit(request: Request, session: DbSession, principal: Writer,
                        quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: ExtendIn) -> str:
        do_extend_quarantine(session, actor=actor, quarantine=row, days=data.days,
                             reason=data.reason)
        return "extended"

    return _act(request, session, actor, row, form="extend", data=await multi_form(request),
                schema=ExtendIn, work=work)


@router.post("/quarantine/{quarantine_id:int}/release")
async def release_submit(request: Request, session: DbSession, principal: Writer,
                         quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: ReleaseIn) -> str:
        do_release(session, actor=actor, quarantine=row, note=data.note,
                   override_reason=data.override_reason, zone=request.state.tr.zone)
        return "released"

    return _act(request, session, actor, row, form="release", data=await multi_form(request),
                schema=ReleaseIn, work=work)


@router.post("/quarantine/{quarantine_id:int}/transfer")
async def transfer_submit(request: Request, session: DbSession, principal: Writer,
                          quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: TransferIn) -> str:
        do_transfer_to_hospital(session, actor=actor, quarantine=row, hospital=data.hospital,
                                reason=data.reason, zone=request.state.tr.zone)
        return "transferred"

    return _act(request, session, actor, row, form="transfer", data=await multi_form(request),
                schema=TransferIn, work=work)


@router.post("/quarantine/{quarantine_id:int}/end-early")
async def end_submit(request: Request, session: DbSession, principal: Writer,
                     quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: EndEarlyIn) -> str:
        do_end_early(session, actor=actor, quarantine=row, reason=data.reason,
                     zone=request.state.tr.zone)
        return "ended"

    return _act(request, session, actor, row, form="end", data=await multi_form(request),
                schema=EndEarlyIn, work=work)


@router.post("/quarantine/{quarantine_id:int}/support")
async def support_submit(request: Request, session: DbSession, principal: SupportWriter,
                         quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: SupportCreate) -> str:
        do_request_support(session, actor=actor, quarantine=row, data=data,
                           zone=request.state.tr.zone)
        return "support"

    return _act(request, session, actor, row, form="support", data=await multi_form(request),
                schema=SupportCreate, work=work)


@router.post("/quarantine/{quarantine_id:int}/notes")
async def note_submit(request: Request, session: DbSession, principal: SupportWriter,
                      quarantine_id: int) -> Response:
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)

    def work(data: NoteCreate) -> str:
        do_add_note(session, actor=actor, quarantine=row, data=data)
        return "note"

    return _act(request, session, actor, row, form="note", data=await multi_form(request),
                schema=NoteCreate, work=work)


@router.post("/quarantine/{quarantine_id:int}/check-link")
def link_issue(request: Request, session: DbSession, principal: Checker,
               quarantine_id: int) -> HTMLResponse:
    """A new personal check link, shown once on the page with its QR code to scan."""
    actor = principal.actor
    row = access_quarantine(session, actor, quarantine_id)
    try:
        path = do_issue_check_link(session, actor=actor, quarantine=row)
    except DomainError as error:
        return render_quarantine(request, session, actor, row, error=error)
    link = str(request.base_url).rstrip("/") + path
    return render_quarantine(request, session, actor, row,
                             extra={"new_link": link, "new_link_qr": qr_svg(link)})


@router.post("/quarantine/{quarantine_id:int}/check-link/revoke")
def link_revoke(session: DbSession, principal: Checker, quarantine_id: int) -> Response:
    row = access_quarantine(session, principal.actor, quarantine_id)
    do_revoke_check_link(session, actor=principal.actor, quarantine=row)
    return RedirectResponse(f"/quarantine/{row.id}?done=revoked", status_code=303)
