"""Importing a registry spreadsheet: parse → normalise → check → upsert by natural key, one
transaction per batch of rows, with a result per row.

An import is an `ImportBatch`: created as a draft when the file arrives (its header found, so a
bad file is refused at once), started with the confirmed header row and column mapping, then
advanced one batch of rows at a time by an `ImportJob` (`step`), each step one transaction.
A step that fails leaves nothing of itself; the next step redoes it. The same file imported
twice changes nothing: every row of the second import is unchanged (or rejected again).
Rejected rows are kept (`ImportRejection`) with their cells and reasons; the header row is
kept the same way, as the one entry without reasons.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.queries import access_area
from fangkong.db import utcnow
from fangkong.errors import DomainError, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.bulk import (
    BatchOutcome,
    household_key,
    person_key,
    upsert_households,
    upsert_persons,
)
from fangkong.registry.bulk_writer import ConcurrentChange
from fangkong.registry.counting import refresh_counters
from fangkong.registry.importer_fields import Header, ImportKind, map_columns, saved_entries
from fangkong.registry.importer_rows import HouseholdIn, PersonIn, Rejected, RowChecker, raw_texts
from fangkong.registry.importer_source import (
    DEFAULT_MAX_MB,
    ImportFile,
    check_size,
    estimate_rows,
    file_digest,
    grid_resolver,
    list_sheets,
    open_rows,
    read_header,
)
from fangkong.registry.models import ColumnMapping, ImportBatch, ImportRejection
from fangkong.registry.queries import local_today
from fangkong.scope import Actor
from fangkong.tabular import EmptyTable, NoHeader, Row, Table

CLI_BATCH = 10_000
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


def do_fail_import(
    session: Session, *, actor: Actor, batch_id: int, error: BaseException,
    grids: Iterable[str] = (),
) -> None:
    """Mark an import failed (in its own transaction, after the failed batch rolled back) and
    recount the grids its committed batches touched."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        return
    refresh_counters(session, grids)
    batch.status = ImportStatus.FAILED.value
    batch.finished_at = utcnow()
    batch.message = error.message if isinstance(error, DomainError) else FAILED
    _audit(session, actor, batch)
    session.flush()


def do_resume_import(session: Session, *, actor: Actor, batch: ImportBatch) -> None:
    """Let a failed import go on after its last committed batch."""
    actor.require(Permission.REGISTRY_IMPORT)
    batch.status = ImportStatus.RUNNING.value
    batch.finished_at = None
    batch.message = ""
    session.flush()


def _audit(session: Session, actor: Actor, batch: ImportBatch) -> None:
    do_audit(session, actor=actor, action=AuditAction.IMPORT, resource="registry",
             record_id=batch.id, area_code=batch.area_code,
             detail={"kind": batch.kind, "filename": batch.filename, "status": batch.status,
                     "counts": {name: batch.counts.get(name, 0) for name in COUNT_NAMES}})


# Running ------------------------------------------------------------------------------------


class ImportJob:
    """The rows of a started import, checked and upserted one batch per `step`.

    A step's rows and keys (to refuse a person repeated later in the file) are kept until the
    next step sees them committed (the stored `next_row` reached their last row); if they were
    not, the next step imports them again.
    """

    def __init__(self, session: Session, *, actor: Actor, batch: ImportBatch,
                 source: ImportFile, today: date | None = None) -> None:
        self.actor, self.batch_id, self.kind = actor, batch.id, ImportKind(batch.kind)
        self.reason = source.filename[:200]
        self.header, self.table, rows = open_header(
            session, actor=actor, source=source, kind=self.kind,
            row_number=batch.counts.get("header_row"))
        area = access_area(session, actor, batch.area_code)
        self.checker = RowChecker(self.header.field_columns(), grid_resolver(session, area),
                                  today or local_today())
        self.seen: set[object] = set()
        self.grids: set[str] = set()
        self.chunk: list[Row] = []
        self.chunk_keys: set[object] = set()
        self.rows = self._catch_up(rows, int(batch.counts.get("next_row", 0)))

    def _catch_up(self, rows: Iterator[Row], last: int) -> Iterator[Row]:
        """The rows after `last`; when continuing an import, the natural keys of the rows up to
        it are learnt again on the way (to refuse their repeats further down)."""
        for row in rows:
            if row.number > last:
                return itertools.chain([row], rows)
            checked = self.check(row)
            if isinstance(checked, PersonIn):
                self.seen.add(person_key(checked))
            elif isinstance(checked, HouseholdIn):
                self.seen.add(household_key(checked.code, checked.grid, checked.address))
        return iter(())

    def close(self) -> None:
        self.table.close()

    def check(self, row: Row) -> PersonIn | HouseholdIn | Rejected | None:
        if self.kind is ImportKind.PERSONS:
            return self.checker.check_person(row)
        return self.checker.check_household(row)

    def _next_chunk(self, batch: ImportBatch, size: int) -> list[Row]:
        """The rows of this step: the last step's again when it did not commit (a failed step
        leaves its rows to the next one), else the next rows of the file."""
        if self.chunk:
            if int(batch.counts.get("next_row", 0)) < self.chunk[-1].number:
                return self.chunk
            self.seen |= self.chunk_keys
        self.chunk, self.chunk_keys = list(itertools.islice(self.rows, size)), set()
        return self.chunk

    def step(self, session: Session, *, rows: int) -> bool:
        """Import the next `rows` rows in the caller's transaction; True when the file is done."""
        batch = session.get(ImportBatch, self.batch_id)
        if batch is None or batch.status != ImportStatus.RUNNING:
            return True
        batch.message = ""  # the first write: SQLite takes its write lock before the reads
        session.flush()
        chunk = self._next_chunk(batch, rows)
        outcome, rejected, ignored = self._import(session, chunk)
        self._store(session, batch, chunk, outcome=outcome, rejected=rejected, ignored=ignored)
        done = len(chunk) < rows
        self.grids |= outcome.grids
        if done:
            refresh_counters(session, self.grids)
            batch.status = ImportStatus.DONE.value
            batch.finished_at = utcnow()
            _audit(session, self.actor, batch)
        session.flush()
        self.chunk_keys = outcome.keys
        return done

    def _import(
        self, session: Session, chunk: list[Row]
    ) -> tuple[BatchOutcome, dict[int, dict[str, str]], int]:
        records: list[Any] = []
        rejected: dict[int, dict[str, str]] = {}
        ignored = 0
        for row in chunk:
            checked = self.check(row)
            if checked is None:
                ignored += 1
            elif isinstance(checked, Rejected):
                rejected[checked.row] = checked.reasons
            else:
                records.append(checked)
        scope = self.actor.scope
        if self.kind is ImportKind.PERSONS:
            outcome = upsert_persons(session, scope=scope, persons=records, seen=self.seen,
                                     actor_id=self.actor.user_id, reason=self.reason)
        else:
            outcome = upsert_households(session, scope=scope, households=records, seen=self.seen)
        return outcome, rejected | outcome.rejected, ignored

    def _store(
        self, session: Session, batch: ImportBatch, chunk: list[Row], *, outcome: BatchOutcome,
        rejected: dict[int, dict[str, str]], ignored: int,
    ) -> None:
        if rejected:
            cells = {row.number: row.cells for row in chunk if row.number in rejected}
            session.execute(insert(ImportRejection), [
                {"batch_id": batch.id, "row_number": number, "raw": raw_texts(cells[number]),
                 "reasons": list(reasons.values())} for number, reasons in sorted(rejected.items())
            ])
        counts = dict(batch.counts)
        tally = outcome.tally()
        tally["rejected"] = len(rejected)
        for name in COUNT_NAMES[1:]:
            counts[name] = counts.get(name, 0) + tally.get(name, 0)
        counts["ignored"] = counts.get("ignored", 0) + ignored
        counts["rows"] = counts.get("rows", 0) + len(chunk) - ignored
        if chunk:
            counts["next_row"] = chunk[-1].number
        batch.counts = counts


ProgressHook = Callable[[ImportBatch], None]


def run_import(
    session: Session, *, actor: Actor, source: ImportFile, area_code: str,
    kind: ImportKind | None = None, batch_size: int = CLI_BATCH, max_mb: int = DEFAULT_MAX_MB,
    progress: ProgressHook | None = None,
) -> ImportBatch:
    """The whole import of a file, committing after each batch (for the CLI and jobs).

    A batch that meets a concurrent change is redone once; any other failure marks the import
    failed (what was committed stays) and is raised again.
    """
    batch = do_create_import(session, actor=actor, source=source, area_code=area_code,
                             kind=kind, max_mb=max_mb)
    source = source_sheet(source, int(batch.counts["sheet"]))
    header, table, _rows = open_header(session, actor=actor, source=source,
                                       kind=ImportKind(batch.kind))
    table.close()
    do_start_import(session, actor=actor, batch=batch, header=header)
    session.commit()
    batch_id = batch.id
    job = ImportJob(session, actor=actor, batch=batch, source=source)
    try:
        _run(session, job, batch_size, progress)
    except BaseException as error:
        session.rollback()
        do_fail_import(session, actor=actor, batch_id=batch_id, error=error, grids=job.grids)
        session.commit()
        raise
    finally:
        job.close()
    final = session.get(ImportBatch, batch_id)
    assert final is not None  # noqa: S101 - created above
    return final


def _run(session: Session, job: ImportJob, batch_size: int, progress: ProgressHook | None) -> None:
    retried = False
    while True:
        try:
            done = job.step(session, rows=batch_size)
            session.commit()
        except ConcurrentChange:
            session.rollback()
            if retried:
                raise
            retried = True
            continue
        retried = False
        batch = session.get(ImportBatch, job.batch_id)
        if progress is not None and batch is not None:
            progress(batch)
        if done:
            return


def list_rejections(session: Session, batch_id: int) -> list[ImportRejection]:
    """The header entry (no reasons) and the rejected rows of an import, in row order."""
    return list(session.scalars(select(ImportRejection).where(
        ImportRejection.batch_id == batch_id).order_by(ImportRejection.row_number)))
