"""Running a started import: its rows checked and upserted one batch per `step`, each step in
the caller's transaction; and `run_import`, the whole file in transactions of whole batches
(at least `COMMIT_ROWS` rows each), each in its turn at the database's write gate.

A `ChunkProducer` reads, checks and groups the rows batch by batch; it also refuses a natural
key met before in the file (a repeat is a repeat in file order, whatever becomes of the
batches). It can run in a separate process (`workers=1`), reading and checking the next batches
while this process writes the last one (checking is the importer's main cost after the
database). A step's batch is kept until the next step sees it committed (the stored
`next_row` reached its last row); if it was not, the next step imports it again.
"""

from __future__ import annotations

import gc
import itertools
import marshal
import multiprocessing
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from fangkong.areas.queries import access_area
from fangkong.db import utcnow, write_turn
from fangkong.registry.bulk import group_persons, upsert_person_groups
from fangkong.registry.bulk_households import (
    BatchOutcome,
    Groups,
    Home,
    group_households,
    upsert_household_groups,
)
from fangkong.registry.bulk_writer import ConcurrentChange
from fangkong.registry.importer import (
    CLI_BATCH,
    COMMIT_ROWS,
    COUNT_NAMES,
    ImportStatus,
    audit_import,
    do_create_import,
    do_fail_import,
    do_start_import,
    open_header,
    source_sheet,
)
from fangkong.registry.importer_fields import ImportKind
from fangkong.registry.importer_rows import (
    BLOCK,
    GridResolver,
    HouseholdIn,
    PersonIn,
    Rejected,
    RowChecker,
    raw_texts,
)
from fangkong.registry.importer_source import (
    DEFAULT_MAX_MB,
    ImportFile,
    grid_resolver,
    open_rows,
    read_header,
)
from fangkong.registry.models import ImportBatch, ImportRejection
from fangkong.registry.queries import local_today
from fangkong.scope import Actor
from fangkong.tabular import Cell, Row

Check = Callable[[Row], PersonIn | HouseholdIn | Rejected | None]
WAIT_SECONDS = 1.0
GC_THRESHOLD = 50_000  # allocations between young-generation collections (Python: 700)
COLLECT_EVERY = 10  # checked batches between two collections in the checking process


CELL_SEPARATOR = "\x00"  # in no xlsx (not an XML character); a CSV cell may hold it


@dataclass
class CheckedChunk:
    """One batch of rows, checked and grouped: the households and persons to upsert, the
    rejected rows' reasons, the cells of every row not ignored (for the download of the rows
    the upsert rejects: as one text, or as the list itself when a cell holds the separator)."""

    count: int = 0
    last: int = 0
    ignored: int = 0
    groups: Groups = field(default_factory=Groups)
    cells: dict[int, str | list[str]] = field(default_factory=dict)
    packed_cells: bytes = b""  # the cells as they came from the checking process, unread

    def raw(self, number: int) -> list[str]:
        if self.packed_cells:  # read at the first rejected row: most batches have none
            self.cells = marshal.loads(self.packed_cells)  # noqa: S302 - from our own process
            self.packed_cells = b""
        cells = self.cells[number]
        return cells.split(CELL_SEPARATOR) if isinstance(cells, str) else cells

    def pack(self) -> bytes:
        """The chunk as `marshal` bytes of plain values, the kept records column by column (a
        birth date as its day number, 0 for none): quicker between processes than pickled
        named tuples and dataclasses. The cells go as bytes of their own, read only when a
        row is rejected."""
        homes = list(self.groups.homes.items())
        index = {id(home): at for at, (_, home) in enumerate(homes)}
        kept = self.groups.kept
        columns = list(zip(*(item for item, _ in kept), strict=True))
        if columns and isinstance(kept[0][0], PersonIn):
            columns[BIRTH_AT] = tuple(day.toordinal() if day else 0 for day in columns[BIRTH_AT])
        return marshal.dumps((
            self.count, self.last, self.ignored, self.groups.rejected, marshal.dumps(self.cells),
            [(key, home.code, home.grid, home.address, home.head_name, home.phone, home.kind,
              home.notes, home.rows) for key, home in homes],
            columns, [index[id(home)] for _, home in kept]))

    @classmethod
    def unpack(cls, data: bytes, record: type[PersonIn | HouseholdIn]) -> CheckedChunk:
        count, last, ignored, rejected, cells, homes, columns, at = marshal.loads(data)  # noqa: S302 - from our own checking process
        groups = Groups(rejected=rejected)
        made = []
        for key, code, grid, address, head_name, phone, kind, notes, rows in homes:
            home = groups.homes[key] = Home(code, grid, address, head_name, phone, kind, notes,
                                            rows)
            made.append(home)
        if columns and record is PersonIn:
            day = date.fromordinal
            columns[BIRTH_AT] = [day(number) if number else None for number in columns[BIRTH_AT]]
        items = map(partial(tuple.__new__, record), zip(*columns, strict=True))  # as _make
        groups.kept = list(zip(items, map(made.__getitem__, at), strict=True))
        return cls(count, last, ignored, groups, packed_cells=cells)


BIRTH_AT = PersonIn._fields.index("birth_date")


@dataclass(frozen=True)
class ChunkSpec:
    """What checking needs: the file, its header and columns, the area's grids, where to go on
    from, the batch size. Picklable, for a checking process."""

    source: ImportFile
    kind: ImportKind
    header_row: int
    columns: dict[str, int]
    grids: GridResolver
    today: date
    after: int
    size: int


class ChunkProducer:
    """Reads, checks and groups the batches of a file, in order. The natural keys of the rows
    read so far are its own (a repeat is a repeat in file order, however the batches fare)."""

    def __init__(self, spec: ChunkSpec, rows: Iterator[Row]) -> None:
        checker = RowChecker(spec.columns, spec.grids, spec.today)
        self.persons = spec.kind is ImportKind.PERSONS
        self.check: Check = checker.check_person if self.persons else checker.check_household
        self.check_all: Callable[[list[Row]], list[Any]] = checker.check_persons \
            if self.persons else checker.check_households
        self.size = spec.size
        self.seen: set[object] = set()
        self.rows = self._catch_up(rows, spec.after)

    def _catch_up(self, rows: Iterator[Row], last: int) -> Iterator[Row]:
        """The rows after `last`; when continuing an import, the rows up to it are checked
        again for their keys (to refuse their repeats further down)."""
        for row in rows:
            if row.number > last:
                return itertools.chain([row], rows)
            self._group([self.check(row)])
        return iter(())

    def _group(self, records: list[Any]) -> Groups:
        if self.persons:
            return group_persons([item for item in records if isinstance(item, PersonIn)],
                                 self.seen)
        return group_households([item for item in records if isinstance(item, HouseholdIn)],
                                self.seen)

    def next(self) -> CheckedChunk:
        chunk = CheckedChunk()
        records: list[PersonIn | HouseholdIn] = []
        while chunk.count < self.size:
            rows = list(itertools.islice(self.rows, min(BLOCK, self.size - chunk.count)))
            if not rows:
                break
            chunk.count, chunk.last = chunk.count + len(rows), rows[-1].number
            self._add(chunk, records, rows)
        grouped = self._group(records)
        grouped.rejected.update(chunk.groups.rejected)
        chunk.groups = grouped
        return chunk

    def _add(self, chunk: CheckedChunk, records: list[PersonIn | HouseholdIn],
             rows: list[Row]) -> None:
        """A block of rows checked as soon as read (their cells still in the processor's
        cache: about a tenth cheaper than checking a whole batch read before)."""
        for row, checked in zip(rows, self.check_all(rows), strict=True):
            if checked is None:
                chunk.ignored += 1
                continue
            chunk.cells[row.number] = joined_cells(row.cells)
            if isinstance(checked, Rejected):
                chunk.groups.rejected[checked.row] = checked.reasons
            else:
                records.append(checked)


def joined_cells(cells: list[Cell]) -> str | list[str]:
    """A row's cells as one text (`raw_texts`): quicker to keep and to send to the writing
    process than a list; the list itself when a cell holds the separator (a CSV may)."""
    try:
        text = CELL_SEPARATOR.join(cells)  # type: ignore[arg-type] # a CSV row's are texts
    except TypeError:
        text = CELL_SEPARATOR.join(raw_texts(cells))
    if text.count(CELL_SEPARATOR) != len(cells) - 1:
        return raw_texts(cells)
    return text


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """Fewer garbage collections while a long import makes millions of short-lived tuples
    (they hold no reference cycles); the usual thresholds again afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic garbage collection at all (for a loop that calls `collect_batch` after
    each batch): even young collections walk what the batches and the checks' caches keep,
    a tenth of the checking time; the usual collection again afterwards."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def collect_batch() -> None:
    """Collect what the last batch left in reference cycles (the young generations only)."""
    gc.collect(1)


def _produce(spec: ChunkSpec, out: Any) -> None:
    """The checking process: checked batches into the queue, then an exception or the end."""
    try:
        with paused_gc(), open_rows(spec.source) as table:
            _, rows = read_header(table, kind=spec.kind, row_number=spec.header_row)
            producer = ChunkProducer(spec, rows)
            for number in itertools.count(1):
                chunk = producer.next()
                out.put(chunk.pack())
                if number % COLLECT_EVERY == 0:  # checking makes no reference cycles: a
                    collect_batch()  # collection finds nothing, but guards against one
                if chunk.count < spec.size:
                    return
    except BaseException as error:  # reported to the importing process, which raises it
        out.put(error)


class ProcessChunks:
    """Checked batches from a separate process, a few batches ahead (a bounded queue)."""

    def __init__(self, spec: ChunkSpec) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: Any = context.Queue(maxsize=2)
        self.process = context.Process(target=_produce, args=(spec, self.queue), daemon=True)
        self.process.start()
        self.finished = False
        self.size = spec.size
        self.record = PersonIn if spec.kind is ImportKind.PERSONS else HouseholdIn

    def next(self) -> CheckedChunk:
        while not self.finished:
            try:
                item = self.queue.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError("the checking process ended unexpectedly") from None
                continue
            if isinstance(item, BaseException):
                self.finished = True
                raise item
            chunk = CheckedChunk.unpack(item, self.record)
            self.finished = chunk.count < self.size
            return chunk
        return CheckedChunk()

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.queue.close()


class ImportJob:
    """The rows of a started import, checked and upserted one batch per `step`."""

    def __init__(self, session: Session, *, actor: Actor, batch: ImportBatch, source: ImportFile,
                 batch_size: int = CLI_BATCH, workers: int = 0, today: date | None = None) -> None:
        self.actor, self.batch_id, self.kind = actor, batch.id, ImportKind(batch.kind)
        self.batch_size, self.reason = batch_size, source.filename[:200]
        self.header, self.table, rows = open_header(
            session, actor=actor, source=source, kind=self.kind,
            row_number=batch.counts.get("header_row"))
        area = access_area(session, actor, batch.area_code)
        after = int(batch.counts.get("next_row", 0))
        self.spec = ChunkSpec(source, self.kind, self.header.row, self.header.field_columns(),
                              grid_resolver(session, area), today or local_today(), after,
                              batch_size)
        self.chunk: CheckedChunk | None = None
        self.ahead: CheckedChunk | None = None
        if workers > 0:
            self.source: ChunkProducer | ProcessChunks = ProcessChunks(self.spec)
        else:
            self.source = ChunkProducer(self.spec, rows)

    @property
    def producer(self) -> ChunkProducer:
        """The in-process producer (a job without a checking process), to preview rows."""
        assert isinstance(self.source, ChunkProducer)  # noqa: S101 - asked of previews only
        return self.source

    def close(self) -> None:
        self.table.close()
        if isinstance(self.source, ProcessChunks):
            self.source.close()

    def prefetch(self) -> None:
        """Have the next batch's rows checked before a step's transaction begins (so that
        SQLite's write lock is not held while they are read and checked)."""
        last = self.chunk is not None and self.chunk.count < self.batch_size
        if self.ahead is None and not last:
            self.ahead = self.source.next()

    def _next_chunk(self, batch: ImportBatch) -> CheckedChunk:
        """This step's batch: the last step's again when it did not commit, else the next."""
        if self.chunk is None or int(batch.counts.get("next_row", 0)) >= self.chunk.last:
            self.chunk = self.ahead if self.ahead is not None else self.source.next()
            self.ahead = None
        return self.chunk

    def step(self, session: Session) -> bool:
        """Import the next batch in the caller's transaction; True when the file is done."""
        batch = session.get(ImportBatch, self.batch_id)
        if batch is None or batch.status != ImportStatus.RUNNING:
            return True
        batch.message = ""  # the first write: SQLite takes its write lock before the reads
        session.flush()
        chunk = self._next_chunk(batch)
        outcome = self._upsert(session, chunk)
        _store(session, batch, chunk, outcome)
        done = chunk.count < self.batch_size
        if done:
            batch.status = ImportStatus.DONE.value
            batch.finished_at = utcnow()
            audit_import(session, self.actor, batch)
        session.flush()
        return done

    def _upsert(self, session: Session, chunk: CheckedChunk) -> BatchOutcome:
        scope = self.actor.scope
        if self.kind is ImportKind.PERSONS:
            return upsert_person_groups(session, scope=scope, groups=chunk.groups,
                                        actor_id=self.actor.user_id, reason=self.reason)
        return upsert_household_groups(session, scope=scope, groups=chunk.groups)


def _store(session: Session, batch: ImportBatch, chunk: CheckedChunk,
           outcome: BatchOutcome) -> None:
    """The batch's rejected rows, and its counts added to the import's."""
    rejected = outcome.rejected
    if rejected:
        session.execute(insert(ImportRejection), [
            {"batch_id": batch.id, "row_number": number, "raw": chunk.raw(number),
             "reasons": list(reasons.values())} for number, reasons in sorted(rejected.items())])
    counts = dict(batch.counts)
    tally = {**outcome.tally(), "rejected": len(rejected), "ignored": chunk.ignored,
             "rows": chunk.count - chunk.ignored}
    for name in COUNT_NAMES:
        counts[name] = counts.get(name, 0) + tally.get(name, 0)
    if chunk.count:
        counts["next_row"] = chunk.last
    batch.counts = counts


ProgressHook = Callable[[ImportBatch], None]


def run_import(
    session: Session, *, actor: Actor, source: ImportFile, area_code: str,
    kind: ImportKind | None = None, batch_size: int = CLI_BATCH, max_mb: int = DEFAULT_MAX_MB,
    workers: int = 0, progress: ProgressHook | None = None, commit_rows: int = COMMIT_ROWS,
) -> ImportBatch:
    """The whole import of a file, committing once at least `commit_rows` rows (whole
    batches) are written, and at the end (for the CLI and jobs); with `workers=1` the rows are
    checked in a process of their own meanwhile.

    A transaction that meets a concurrent change is redone once, from the last commit; any
    other failure marks the import failed (what was committed stays) and is raised again.
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

    def new_job() -> ImportJob:
        """A job going on from what is committed."""
        stored = session.get(ImportBatch, batch_id)
        assert stored is not None  # noqa: S101 - created above
        return ImportJob(session, actor=actor, batch=stored, source=source,
                         batch_size=batch_size, workers=workers)

    try:
        with paused_gc():
            _run(session, new_job, progress, commit_rows)
    except BaseException as error:
        session.rollback()
        do_fail_import(session, actor=actor, batch_id=batch_id, error=error)
        session.commit()
        raise
    final = session.get(ImportBatch, batch_id)
    assert final is not None  # noqa: S101 - created above
    return final


def _run(session: Session, new_job: Callable[[], ImportJob], progress: ProgressHook | None,
         commit_rows: int) -> None:
    """Steps in transactions of at least `commit_rows` rows; after a concurrent change, a new
    job goes on from the last commit (once in a row)."""
    job, retried = new_job(), False
    try:
        while True:
            job.prefetch()  # the first batch of a transaction checked before it begins
            try:
                with write_turn(session):
                    done = _transaction(session, job, commit_rows)
            except ConcurrentChange:
                if retried:
                    raise
                retried = True
                job.close()
                job = new_job()
                continue
            retried = False
            collect_batch()
            batch = session.get(ImportBatch, job.batch_id)
            if progress is not None and batch is not None:
                progress(batch)
            if done:
                return
    finally:
        job.close()


def _transaction(session: Session, job: ImportJob, commit_rows: int) -> bool:
    """Whole batches until at least `commit_rows` rows, committed; True when the file is
    done. Each commit of a large import rewrites most pages of the persons' random-key
    indexes, so fewer, larger transactions write far less."""
    written = 0
    try:
        while True:
            done = job.step(session)
            written += job.batch_size
            if done or written >= commit_rows:
                session.commit()
                return done
            job.prefetch()
    except BaseException:
        session.rollback()  # at once, within the turn: never hold the lock longer
        raise
