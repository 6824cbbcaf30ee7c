"""Importing a registry spreadsheet: parse → normalise → check → upsert by natural key, one
transaction per batch of rows, with a result per row.

An import is an `ImportBatch`: created as a draft when the file arrives (its header found, so a
bad file is refused at once), started with the confirmed header row and column mapping, then
advanced one batch of rows at a time by an `ImportJob` (`importer_job`), each step one
transaction.
A step that fails leaves nothing of itself; the next step redoes it. The same file imported
twice changes nothing: every row of the second import is unchanged (or rejected again).
Rejected rows are kept (`ImportRejection`) with their cells and reasons; the header row is
kept the same way, as the one entry without reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.queries import access_area
from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.importer_fields import Header, ImportKind, map_columns, saved_entries
from fangkong.registry.importer_source import (
    DEFAULT_MAX_MB,
    ImportFile,
    check_size,
    estimate_rows,
    file_digest,
    list_sheets,
    open_rows,
    read_header,
)
from fangkong.registry.models import ColumnMapping, ImportBatch, ImportRejection
from fangkong.scope import Actor
from fangkong.tabular import EmptyTable, NoHeader, Row, Table

CLI_BATCH = 20_000
COMMIT_ROWS = 100_000  # rows per transaction of a whole-file import (`run_import`)
COUNT_NAMES = ("rows", "added", "updated", "unchanged", "rejected", "ignored",
               "households_added", "households_updated")
FAILED = N_("The import stopped because of an unexpected error. The rows before it are saved; "
            "import the file again to continue.")


class ImportStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# Saved column mappings ----------------------------------------------------------------------


def get_saved_mapping(session: Session, user_id: int | None, kind: str) -> dict[str, str]:
    """A user's remembered header → field choices for a kind of sheet."""
    if user_id is None:
        return {}
    mapping = session.scalar(select(ColumnMapping.mapping).where(
        ColumnMapping.user_id == user_id, ColumnMapping.kind == kind))
    return dict(mapping or {})


def do_save_mapping(session: Session, *, actor: Actor, kind: str, entries: dict[str, str]) -> None:
    """Remember the actor's choices (added to what they chose for other sheets before)."""
    if actor.user_id is None or not entries:
        return
    row = session.scalar(select(ColumnMapping).where(
        ColumnMapping.user_id == actor.user_id, ColumnMapping.kind == kind))
    if row is None:
        session.add(ColumnMapping(user_id=actor.user_id, kind=kind, mapping=entries))
    else:
        row.mapping = {**row.mapping, **entries}
    session.flush()


# Creating and starting ----------------------------------------------------------------------


def access_import(session: Session, actor: Actor, batch_id: int) -> ImportBatch:
    """An import of the actor's area (NotFound otherwise, like a missing one)."""
    actor.require(Permission.REGISTRY_IMPORT)
    batch = session.get(ImportBatch, batch_id)
    if batch is None or not actor.sees(batch.area_code):
        raise NotFound()
    return batch


def open_header(
    session: Session, *, actor: Actor, source: ImportFile, kind: ImportKind | None = None,
    row_number: int | None = None,
) -> tuple[Header, Table, Iterator[Row]]:
    """Open the file and find its header (the actor's saved mappings applied). Without a sheet
    named, the first sheet with a header is taken (an instructions sheet may come first)."""
    try:
        return _open_header(session, actor=actor, source=source, kind=kind,
                            row_number=row_number)
    except (NoHeader, EmptyTable):
        if source.sheet is not None:
            raise
        for sheet in list_sheets(source)[1:]:
            try:
                return _open_header(session, actor=actor, source=replace(source, sheet=sheet),
                                    kind=kind, row_number=row_number)
            except (NoHeader, EmptyTable):
                continue
        raise


def _open_header(
    session: Session, *, actor: Actor, source: ImportFile, kind: ImportKind | None,
    row_number: int | None,
) -> tuple[Header, Table, Iterator[Row]]:
    table = open_rows(source)
    try:
        saved = {}
        for candidate in (kind,) if kind else tuple(ImportKind):
            saved.update(get_saved_mapping(session, actor.user_id, candidate))
        header, rows = read_header(table, kind=kind, saved=saved, row_number=row_number)
    except BaseException:
        table.close()
        raise
    if kind is None:
        saved = get_saved_mapping(session, actor.user_id, header.kind)
        header = Header(header.kind, header.row, header.cells,
                        map_columns(header.cells, header.kind, saved))
    return header, table, rows


def sheet_index(source: ImportFile, table: Table) -> int:
    """Which sheet of the file the table is (-1: a CSV file, or the sheet is not known)."""
    sheets = list_sheets(source)
    return sheets.index(table.sheet) if table.sheet in sheets else -1


def source_sheet(source: ImportFile, index: int) -> ImportFile:
    """The file with its sheet chosen by index (as stored on the import)."""
    sheets = list_sheets(source) if index >= 0 else []
    return replace(source, sheet=sheets[index] if 0 <= index < len(sheets) else None)


def do_create_import(
    session: Session, *, actor: Actor, source: ImportFile, area_code: str,
    kind: ImportKind | None = None, max_mb: int = DEFAULT_MAX_MB,
) -> ImportBatch:
    """A draft import of a file into an area of the actor's scope; the file is refused at once
    when it is too large, unreadable, empty or without a recognisable header."""
    actor.require(Permission.REGISTRY_IMPORT)
    area = access_area(session, actor, area_code)
    size = check_size(source.path, max_mb)
    header, table, _rows = open_header(session, actor=actor, source=source, kind=kind)
    table.close()
    batch = ImportBatch(kind=header.kind.value, area_code=area.code,
                        filename=source.filename[-255:], sha256=file_digest(source.path),
                        actor_id=actor.user_id, status=ImportStatus.DRAFT.value, message="",
                        counts={"header_row": header.row, "size": size,
                                "sheet": sheet_index(source, table),
                                "total": estimate_rows(source)})
    session.add(batch)
    session.flush()
    return batch


def do_start_import(
    session: Session, *, actor: Actor, batch: ImportBatch, header: Header,
    columns: dict[int, str] | None = None,
) -> None:
    """Start a draft with its header row and column mapping (remembered for the actor)."""
    actor.require(Permission.REGISTRY_IMPORT)
    chosen = header.columns if columns is None else columns
    do_save_mapping(session, actor=actor, kind=batch.kind, entries=saved_entries(header, chosen))
    session.execute(delete(ImportRejection).where(ImportRejection.batch_id == batch.id))
    session.add(ImportRejection(batch_id=batch.id, row_number=header.row,
                                raw=list(header.cells), reasons=[]))
    batch.counts = {**batch.counts, "header_row": header.row, "next_row": header.row,
                    **dict.fromkeys(COUNT_NAMES, 0)}
    batch.status = ImportStatus.RUNNING.value
    session.flush()


def do_fail_import(session: Session, *, actor: Actor, batch_id: int, error: BaseException) -> None:
    """Mark an import failed (in its own transaction, after the failed batch rolled back with
    its counter changes; the committed batches keep theirs)."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        return
    batch.status = ImportStatus.FAILED.value
    batch.finished_at = utcnow()
    batch.message = error.message if isinstance(error, DomainError) else FAILED
    audit_import(session, actor, batch)
    session.flush()


def do_resume_import(session: Session, *, actor: Actor, batch: ImportBatch) -> None:
    """Let a failed import go on after its last committed batch."""
    actor.require(Permission.REGISTRY_IMPORT)
    batch.status = ImportStatus.RUNNING.value
    batch.finished_at = None
    batch.message = ""
    session.flush()


def audit_import(session: Session, actor: Actor, batch: ImportBatch) -> None:
    do_audit(session, actor=actor, action=AuditAction.IMPORT, resource="registry",
             record_id=batch.id, area_code=batch.area_code,
             detail={"kind": batch.kind, "filename": batch.filename, "status": batch.status,
                     "counts": {name: batch.counts.get(name, 0) for name in COUNT_NAMES}})


def list_rejections(session: Session, batch_id: int) -> list[ImportRejection]:
    """The header entry (no reasons) and the rejected rows of an import, in row order."""
    return list(session.scalars(select(ImportRejection).where(
        ImportRejection.batch_id == batch_id).order_by(ImportRejection.row_number)))
