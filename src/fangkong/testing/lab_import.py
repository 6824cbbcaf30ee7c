"""Importing a lab's result file (csv/xlsx): parse → check → record by tube or ID number, one
transaction per batch of rows, with a result per row (the registry importer's pattern).

An import is an `ImportBatch` of kind `lab` in the importer's area. A file that cannot be read
or has no header naming a tube or ID column, a result and its time is refused at once. Each
batch commits on its own; rejected rows are kept (`ImportRejection`, the header row as the one
entry without reasons) to download as a spreadsheet with a reason column and import again.
The same file imported twice changes nothing: the second time every row is `unchanged` (or
rejected again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.importer_job import relaxed_gc
from fangkong.registry.importer_rows import raw_texts
from fangkong.registry.importer_source import (
    DEFAULT_MAX_MB,
    ImportFile,
    check_size,
    estimate_rows,
    file_digest,
    open_rows,
)
from fangkong.registry.models import ImportBatch, ImportRejection
from fangkong.scope import Actor, in_scope
from fangkong.tabular import HeaderMatch, Row, Table
from fangkong.testing.codes import DEFAULT_ZONE
from fangkong.testing.lab_bulk import apply_lab_rows
from fangkong.testing.lab_chunks import AheadChunks, LabChunk, LabChunks
from fangkong.testing.lab_rows import LabChecker, lab_header

KIND = "lab"
CLI_BATCH = 10_000
WEB_BATCH = 5_000
COUNT_NAMES = ("rows", "added", "unchanged", "rejected", "ignored", "positives", "retests")
FAILED = N_("The import stopped because of an unexpected error. The rows before it are saved; "
            "import the file again to continue (saved rows come out unchanged).")
MAX_ID = 2**63 - 1

ProgressHook = Callable[[ImportBatch], None]


def access_lab_import(session: Session, actor: Actor, batch_id: int) -> ImportBatch:
    """A lab import of the actor's area (NotFound otherwise, like a missing one)."""
    actor.require(Permission.RESULT_WRITE)
    batch = session.get(ImportBatch, batch_id) if 0 < batch_id <= MAX_ID else None
    if batch is None or batch.kind != KIND or not actor.sees(batch.area_code):
        raise NotFound()
    return batch


def list_lab_imports(session: Session, actor: Actor, limit: int = 20) -> list[ImportBatch]:
    stmt = (select(ImportBatch).where(ImportBatch.kind == KIND,
                                      in_scope(ImportBatch.area_code.expression, actor.scope))
            .order_by(ImportBatch.started_at.desc(), ImportBatch.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def open_lab_file(source: ImportFile) -> tuple[HeaderMatch, list[str], Table]:
    """The file's header and its cells; the table goes on with the rows below it."""
    table = open_rows(source)
    last: list[Row] = []

    def tapped() -> Iterator[Row]:
        for row in table.rows:
            last[:] = [row]
            yield row

    try:
        header = lab_header(tapped())
    except BaseException:
        table.close()
        raise
    return header, raw_texts(last[0].cells), table


def do_create_lab_import(
    session: Session, *, actor: Actor, source: ImportFile, header: HeaderMatch,
    cells: list[str], size: int,
) -> ImportBatch:
    batch = ImportBatch(kind=KIND, area_code=actor.scope, filename=source.filename[-255:],
                        sha256=file_digest(source.path), actor_id=actor.user_id,
                        status="running", message="",
                        counts={"header_row": header.row, "size": size, "next_row": header.row,
                                "total": estimate_rows(source), **dict.fromkeys(COUNT_NAMES, 0)})
    session.add(batch)
    session.flush()
    session.add(ImportRejection(batch_id=batch.id, row_number=header.row, raw=cells,
                                reasons=[]))
    session.flush()
    return batch


def _step(
    session: Session, *, batch: ImportBatch, actor: Actor, chunk: LabChunk, zone: ZoneInfo,
    now: datetime, meanwhile: Callable[[], None] | None = None,
) -> None:
    """Record one checked batch of rows in the caller's transaction; count what happened."""
    checked = chunk.checked
    outcome = apply_lab_rows(session, rows=checked.good, scope=actor.scope, batch_id=batch.id,
                             actor_id=actor.user_id, zone=zone, now=now, meanwhile=meanwhile)
    rejected = checked.rejected | outcome.rejected
    if rejected:
        cells = chunk.raw(set(rejected))
        session.execute(insert(ImportRejection), [
            {"batch_id": batch.id, "row_number": number, "raw": cells[number],
             "reasons": list(reasons.values())} for number, reasons in sorted(rejected.items())])
    tally = outcome.tally()
    tally["rejected"] = len(rejected)
    tally["ignored"] = checked.ignored
    tally["rows"] = chunk.count - tally["ignored"]
    counts = dict(batch.counts)
    for name in COUNT_NAMES:
        counts[name] = counts.get(name, 0) + tally.get(name, 0)
    if chunk.count:
        counts["next_row"] = chunk.last
    batch.counts = counts


def _finish(session: Session, actor: Actor, batch: ImportBatch, lab: str,
            error: BaseException | None = None) -> None:
    batch.status = "failed" if error is not None else "done"
    batch.finished_at = utcnow()
    if error is not None:
        batch.message = error.message if isinstance(error, DomainError) else FAILED
    do_audit(session, actor=actor, action=AuditAction.IMPORT, resource="lab_results",
             record_id=batch.id, area_code=batch.area_code,
             detail={"filename": batch.filename, "lab": lab, "status": batch.status,
                     "counts": {name: batch.counts.get(name, 0) for name in COUNT_NAMES}})
    session.flush()


def run_lab_import(
    session: Session, *, actor: Actor, source: ImportFile, lab: str = "",
    batch_size: int = CLI_BATCH, max_mb: int = DEFAULT_MAX_MB, zone: ZoneInfo = DEFAULT_ZONE,
    progress: ProgressHook | None = None, now: datetime | None = None,
) -> ImportBatch:
    """The whole import of a lab file, committing after each batch (CLI, page and API).

    A bad file is refused before anything is written. Any failure later marks the import
    failed (the batches committed before stay) and is raised again.
    """
    actor.require(Permission.RESULT_WRITE)
    size = check_size(source.path, max_mb)
    header, cells, table = open_lab_file(source)
    moment = now or utcnow()
    try:
        batch = do_create_lab_import(session, actor=actor, source=source, header=header,
                                     cells=cells, size=size)
        session.commit()
        checker = LabChecker({name: index for index, name in header.columns.items()},
                             lab.strip(), moment, zone)
        with relaxed_gc():  # a batch makes tens of thousands of short-lived tuples
            _run(session, actor=actor, batch=batch, zone=zone, size=batch_size, now=moment,
                 lab=lab.strip(), progress=progress,
                 chunks=AheadChunks(LabChunks(iter(table), checker, batch_size)))
    finally:
        table.close()
    return batch


def _run(
    session: Session, *, actor: Actor, batch: ImportBatch, chunks: AheadChunks, zone: ZoneInfo,
    size: int, now: datetime, lab: str, progress: ProgressHook | None,
) -> None:
    try:
        while True:
            chunk = chunks.next()
            _step(session, batch=batch, actor=actor, chunk=chunk, zone=zone, now=now,
                  meanwhile=chunks.start if chunk.count == size else None)
            session.commit()
            if progress is not None:
                progress(batch)
            if chunk.count < size:
                break
        _finish(session, actor, batch, lab)
        session.commit()
    except BaseException as error:
        session.rollback()
        _finish(session, actor, batch, lab, error)
        session.commit()
        raise
    finally:
        chunks.join()
