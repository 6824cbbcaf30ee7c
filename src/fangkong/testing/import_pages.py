"""The lab import pages: upload a lab's result file, see what each row did, download the
rejected rows (with a reason column) to correct and import again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.page_helpers import page_router
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor
from fangkong.testing.lab_export import rejected_workbook
from fangkong.testing.lab_import import (
    WEB_BATCH,
    access_lab_import,
    list_lab_imports,
    run_lab_import,
)
from fangkong.testing.uploads import save_upload
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.templating import render

router = page_router()
ResultWriter = Annotated[Principal, Depends(require(Permission.RESULT_WRITE))]
NO_FILE = N_("Choose a lab file to import.")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload_page(request: Request, session: Session, actor: Actor, *,
                 error: DomainError | None = None, lab: str = "",
                 status_code: int = 200) -> HTMLResponse:
    context: dict[str, Any] = {"recent": list_lab_imports(session, actor), "lab": lab}
    if error is not None:
        context.update(flash=request.state.tr.gettext(error.message, **error.params),
                       flash_kind="error")
    return render(request, "testing/import.html", context, status_code=status_code)


@router.get("/testing/import")
def import_page(request: Request, session: DbSession, principal: ResultWriter) -> HTMLResponse:
    return _upload_page(request, session, principal.actor)


@router.post("/testing/import", response_model=None)
async def import_upload(request: Request, session: DbSession, settings: SettingsDep,
                        principal: ResultWriter) -> Response:
    """Import the file at once, a batch per transaction; then show what each row did."""
    actor = principal.actor
    form = await request.form()
    upload, lab = form.get("file"), str(form.get("lab") or "").strip()[:100]
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_page(request, session, actor, lab=lab, status_code=422,
                            error=Invalid(NO_FILE, fields={"file": NO_FILE}))
    try:
        source = save_upload(upload.file, upload.filename, settings)
    except DomainError as error:
        return _upload_page(request, session, actor, lab=lab, error=error, status_code=422)
    try:
        batch = run_lab_import(session, actor=actor, source=source, lab=lab,
                               batch_size=WEB_BATCH, max_mb=settings.import_max_mb,
                               zone=settings.zone)
    except DomainError as error:
        session.rollback()
        return _upload_page(request, session, actor, lab=lab, error=error, status_code=422)
    finally:
        source.path.unlink(missing_ok=True)
    return RedirectResponse(f"/testing/import/{batch.id}", status_code=303)


@router.get("/testing/import/{batch_id}")
def import_result(request: Request, session: DbSession, principal: ResultWriter,
                  batch_id: int) -> HTMLResponse:
    batch = access_lab_import(session, principal.actor, batch_id)
    return render(request, "testing/import_result.html", {"batch": batch})


@router.get("/testing/import/{batch_id}/rejected.xlsx")
def import_rejected(request: Request, session: DbSession, principal: ResultWriter,
                    batch_id: int) -> Response:
    """The rejected rows with their reasons, to correct and import again (an audited export)."""
    actor = principal.actor
    batch = access_lab_import(session, actor, batch_id)
    data = rejected_workbook(session, batch, request.state.tr)
    do_audit(session, actor=actor, action=AuditAction.EXPORT, resource="lab_results",
             record_id=batch.id, area_code=batch.area_code,
             detail={"rejected": batch.counts.get("rejected", 0)})
    return Response(data, media_type=XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="rejected-{batch.id}.xlsx"'})
