"""The import pages: upload a file into an area, check the header row and the column mapping
against a preview of the first rows, then import with progress and download what was rejected.

The import advances one batch per request (`POST …/step`, repeated by htmx while the page shows
its progress), each request one transaction; the open file stays with its `ImportJob` in this
process between steps, and is opened again where a step finds none (another worker, a restart).
The uploaded file waits in the imports folder until its import is done (a file untouched for a
week, of an import never started or left stopped, is removed at the next upload).
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.page_helpers import page_router
from fangkong.areas.models import Area
from fangkong.errors import DomainError, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.bulk_writer import ConcurrentChange
from fangkong.registry.importer import (
    ImportStatus,
    access_import,
    do_create_import,
    do_fail_import,
    do_resume_import,
    do_save_mapping,
    do_start_import,
    open_header,
    source_sheet,
)
from fangkong.registry.importer_export import preview_rows, rejected_workbook
from fangkong.registry.importer_fields import (
    DOMAIN,
    FIELDS,
    KIND_FIELDS,
    KIND_LABELS,
    ImportKind,
    saved_entries,
)
from fangkong.registry.importer_job import ImportJob
from fangkong.registry.importer_source import (
    MEGABYTE,
    FileTooLarge,
    ImportFile,
    import_dir,
    list_sheets,
)
from fangkong.registry.models import ImportBatch
from fangkong.scope import Actor, in_scope
from fangkong.settings import Settings
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.templating import render

router = page_router()
Importer = Annotated[Principal, Depends(require(Permission.REGISTRY_IMPORT))]

WEB_BATCH = 2_000
AREA_SELECT_LIMIT = 300
RECENT = 20
KEEP_DAYS = 7
NO_FILE = N_("Choose a file to import.")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



class FileGone(NotFound):
    code = "registry.import_file_gone"

    @classmethod
    def default_message(cls) -> str:
        return N_("The uploaded file of this import is gone; upload it again.")


_jobs: dict[int, tuple[tuple[object, ...], ImportJob]] = {}
_jobs_lock = threading.Lock()


def _stored_file(settings: Settings, batch: ImportBatch) -> ImportFile:
    """The import's uploaded file, with the sheet it reads."""
    folder = import_dir(settings)
    matches = sorted(folder.glob(f"{batch.id}.*")) if folder.is_dir() else []
    if not matches:
        raise FileGone()
    return source_sheet(ImportFile(matches[0], batch.filename),
                        int(batch.counts.get("sheet", -1)))


def _areas(session: Session, actor: Actor) -> list[tuple[str, str]] | None:
    """The areas an import may target, as (code, name), or None when too many to list."""
    stmt = select(Area.code, Area.name).where(in_scope(Area.code.expression, actor.scope))
    rows = session.execute(stmt.order_by(Area.code).limit(AREA_SELECT_LIMIT + 1)).all()
    if len(rows) > AREA_SELECT_LIMIT:
        return None
    return [(str(code), f"{name} ({code})") for code, name in rows]


def _recent(session: Session, actor: Actor) -> list[ImportBatch]:
    stmt = select(ImportBatch).where(in_scope(ImportBatch.area_code.expression, actor.scope))
    return list(session.scalars(stmt.order_by(ImportBatch.started_at.desc()).limit(RECENT)))


def _upload_page(request: Request, session: Session, actor: Actor, *,
                 error: DomainError | None = None, status_code: int = 200) -> HTMLResponse:
    tr = request.state.tr
    context: dict[str, Any] = {
        "areas": _areas(session, actor), "recent": _recent(session, actor),
        "kinds": KIND_LABELS, "chosen_area": request.query_params.get("area", actor.area_code),
    }
    if error is not None:
        context.update(flash=tr.gettext(error.message, DOMAIN, **error.params), flash_kind="error")
    return render(request, "registry/import.html", context, status_code=status_code)


@router.get("/registry/import")
def import_page(request: Request, session: DbSession, principal: Importer) -> HTMLResponse:
    return _upload_page(request, session, principal.actor)


def _sweep(folder: Path) -> None:
    """Forget uploads left untouched for a week (imports never started, or stopped)."""
    cutoff = time.time() - KEEP_DAYS * 86_400
    for path in folder.glob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _save_upload(upload: UploadFile, folder: Path, limit_mb: int) -> Path:
    """The upload copied into the imports folder in pieces; refused past the size limit
    (nothing of it kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    suffix = Path(upload.filename or "").suffix.lower()[:10] or ".bin"
    target = folder / f"upload-{secrets.token_hex(8)}{suffix}"
    written, limit = 0, limit_mb * MEGABYTE
    with target.open("wb") as handle:
        while block := upload.file.read(MEGABYTE):
            written += len(block)
            if written > limit:
                handle.close()
                target.unlink(missing_ok=True)
                size = max(upload.size or 0, written)
                raise FileTooLarge(params={"size": round(size / MEGABYTE), "limit": limit_mb})
            handle.write(block)
    return target


@router.post("/registry/import")
async def import_upload(
    request: Request, session: DbSession, principal: Importer, settings: SettingsDep
) -> Response:
    """Keep the file and make a draft import of it (the file refused at once when bad)."""
    actor = principal.actor
    form = await request.form()
    upload, area = form.get("file"), str(form.get("area") or "").strip()
    kind_text, sheet = str(form.get("kind") or ""), str(form.get("sheet") or "").strip() or None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_page(request, session, actor, error=Invalid(NO_FILE, fields={
            "file": NO_FILE}), status_code=422)
    path: Path | None = None
    try:
        path = _save_upload(upload, import_dir(settings), settings.import_max_mb)
        source = ImportFile(path, Path(upload.filename).name, sheet)
        kind = ImportKind(kind_text) if kind_text in {k.value for k in ImportKind} else None
        batch = do_create_import(session, actor=actor, source=source, area_code=area or
                                 actor.area_code, kind=kind, max_mb=settings.import_max_mb)
    except DomainError as error:
        if path is not None:
            path.unlink(missing_ok=True)
        return _upload_page(request, session, actor, error=error, status_code=422)
    path.rename(path.with_name(f"{batch.id}{path.suffix}"))
    return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)


def _mapping_context(session: Session, actor: Actor, batch: ImportBatch,
                     source: ImportFile) -> dict[str, Any]:
    header, rows = preview_rows(session, actor=actor, batch=batch, source=source)
    kind = ImportKind(batch.kind)
    return {
        "batch": batch, "header": header, "rows": rows, "sheets": list_sheets(source),
        "sheet": source.sheet, "fields": [(name, FIELDS[name].label)
                                          for name in KIND_FIELDS[kind]],
        "kind_label": KIND_LABELS[kind], "labels": {name: spec.label
                                                    for name, spec in FIELDS.items()},
    }


@router.get("/registry/import/{batch_id}")
def import_batch_page(
    request: Request, batch_id: int, session: DbSession, principal: Importer,
    settings: SettingsDep,
) -> HTMLResponse:
    """A draft: header, mapping and preview. Running: the progress. Finished: the result."""
    actor = principal.actor
    batch = access_import(session, actor, batch_id)
    if batch.status == ImportStatus.DRAFT:
        source = _stored_file(settings, batch)
        try:
            context = _mapping_context(session, actor, batch, source)
        except DomainError as error:
            return _upload_page(request, session, actor, error=error, status_code=422)
        return render(request, "registry/import_mapping.html", context)
    return render(request, "registry/import_progress.html", _status_context(batch))


@router.post("/registry/import/{batch_id}/mapping")
async def import_mapping(
    request: Request, batch_id: int, session: DbSession, principal: Importer,
    settings: SettingsDep,
) -> Response:
    """Change the header row, the sheet or the columns' fields (remembered for next time)."""
    actor = principal.actor
    batch = access_import(session, actor, batch_id)
    if batch.status != ImportStatus.DRAFT:
        return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)
    form = await request.form()
    source = _stored_file(settings, batch)
    sheet, sheets = str(form.get("sheet") or "").strip(), list_sheets(source)
    if sheet in sheets and sheet != source.sheet:
        return _choose_sheet(session, actor, batch, ImportFile(source.path, source.filename,
                                                                sheet), sheets.index(sheet))
    row = str(form.get("header_row") or "")
    if row.isdigit() and int(row) != batch.counts.get("header_row"):
        batch.counts = {**batch.counts, "header_row": int(row)}
        return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)
    header, table, _rows = open_header(session, actor=actor, source=_stored_file(
        settings, batch), kind=ImportKind(batch.kind), row_number=batch.counts.get("header_row"))
    table.close()
    allowed = set(KIND_FIELDS[ImportKind(batch.kind)])
    columns = {index: str(form.get(f"column_{index}") or "") for index in range(
        len(header.cells))}
    chosen = {index: name for index, name in columns.items() if name in allowed}
    do_save_mapping(session, actor=actor, kind=batch.kind,
                    entries=saved_entries(header, chosen))
    return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)


def _choose_sheet(
    session: Session, actor: Actor, batch: ImportBatch, source: ImportFile, index: int
) -> Response:
    """Read another sheet of the workbook: its own header row, its own kind of sheet."""
    header, table, _rows = open_header(session, actor=actor, source=source)
    table.close()
    batch.kind = header.kind.value
    batch.counts = {**batch.counts, "sheet": index, "header_row": header.row}
    return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)


@router.post("/registry/import/{batch_id}/start")
def import_start(
    batch_id: int, session: DbSession, principal: Importer,
    settings: SettingsDep,
) -> Response:
    actor = principal.actor
    batch = access_import(session, actor, batch_id)
    if batch.status == ImportStatus.DRAFT:
        header, table, _rows = open_header(
            session, actor=actor, source=_stored_file(settings, batch),
            kind=ImportKind(batch.kind), row_number=batch.counts.get("header_row"))
        table.close()
        do_start_import(session, actor=actor, batch=batch, header=header)
    return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    counts = batch.counts
    total = max(int(counts.get("total", 0)) - int(counts.get("header_row", 0)), 0)
    done = max(int(counts.get("next_row", 0)) - int(counts.get("header_row", 0)), 0)
    return {"batch": batch, "total": total, "done": min(done, total) if total else done,
            "running": batch.status == ImportStatus.RUNNING}


def _job_for(session: Session, actor: Actor, batch: ImportBatch, settings: Settings) -> ImportJob:
    """The import's job in this process, or a new one going on from where the import is."""
    key = (batch.id, batch.sha256, batch.started_at)
    with _jobs_lock:
        found = _jobs.get(batch.id)
        if found is not None and found[0] == key:
            return found[1]
        if found is not None:
            found[1].close()
        job = ImportJob(session, actor=actor, batch=batch, source=_stored_file(settings, batch),
                        batch_size=WEB_BATCH)
        _jobs[batch.id] = (key, job)
        return job


def _finish(settings: Settings, batch: ImportBatch) -> None:
    with _jobs_lock:
        found = _jobs.pop(batch.id, None)
    if found is not None:
        found[1].close()
    if batch.status == ImportStatus.DONE:
        _stored_file(settings, batch).path.unlink(missing_ok=True)


@router.post("/registry/import/{batch_id}/step")
def import_step(
    request: Request, batch_id: int, session: DbSession, principal: Importer,
    settings: SettingsDep,
) -> HTMLResponse:
    """Import the next batch of rows; answer the progress (which asks for the next step) or,
    at the end, the result."""
    actor = principal.actor
    batch = access_import(session, actor, batch_id)
    if batch.status == ImportStatus.RUNNING:
        try:
            _job_for(session, actor, batch, settings).step(session)
            session.commit()
        except ConcurrentChange:
            session.rollback()
        except Exception as error:  # any failure ends the import, and is recorded
            session.rollback()
            do_fail_import(session, actor=actor, batch_id=batch.id, error=error)
            session.commit()
        session.refresh(batch)
        if batch.status != ImportStatus.RUNNING:
            _finish(settings, batch)
    return render(request, "registry/import_status.html", _status_context(batch))


@router.post("/registry/import/{batch_id}/resume")
def import_resume(
    batch_id: int, session: DbSession, principal: Importer,
    settings: SettingsDep,
) -> Response:
    """Continue a failed import after its last saved batch (its file must still be there)."""
    batch = access_import(session, principal.actor, batch_id)
    if batch.status == ImportStatus.FAILED:
        _stored_file(settings, batch)
        do_resume_import(session, actor=principal.actor, batch=batch)
    return RedirectResponse(f"/registry/import/{batch.id}", status_code=303)


@router.get("/registry/import/{batch_id}/rejected.xlsx")
def import_rejected(
    request: Request, batch_id: int, session: DbSession, principal: Importer
) -> Response:
    """The rejected rows with their reasons, to correct and import again (an audited export)."""
    actor = principal.actor
    batch = access_import(session, actor, batch_id)
    data = rejected_workbook(session, batch, request.state.tr)
    do_audit(session, actor=actor, action=AuditAction.EXPORT, resource="registry",
             record_id=batch.id, area_code=batch.area_code,
             detail={"rejected": batch.counts.get("rejected", 0)})
    name = f"rejected-{batch.id}.xlsx"
    return Response(data, media_type=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
