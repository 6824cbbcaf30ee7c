"""The rows of a lab file read and checked batch by batch, in this process or in a separate one
(`workers=1`) that reads and checks the next batches while this process writes the last one:
checking is the import's main cost after the database.

A batch crosses between the processes as `marshal` bytes of plain values, column by column
(each distinct result time once, as ISO text): quicker than pickled named tuples.
"""

from __future__ import annotations

import itertools
import marshal
import multiprocessing
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fangkong.registry.importer_job import relaxed_gc
from fangkong.registry.importer_rows import raw_texts
from fangkong.registry.importer_source import ImportFile, open_rows
from fangkong.tabular import Cell, Row
from fangkong.testing.lab_rows import Checked, LabChecker, LabRow

WAIT_SECONDS = 1.0
CELL_SEPARATOR = "\x00"  # in no CSV (the reader refuses NUL) and no xlsx (not an XML character)


@dataclass
class LabChunk:
    """One batch of rows checked: how many rows it had and the number of its last one, the
    check's outcome, and the cells of each row (as one text, for the download of the rows
    rejected, by the check or by what the database holds)."""

    count: int = 0
    last: int = 0
    checked: Checked = field(default_factory=Checked)
    cells: dict[int, str] = field(default_factory=dict)

    def raw(self, number: int) -> list[str]:
        return self.cells[number].split(CELL_SEPARATOR)

    def pack(self) -> bytes:
        good = self.checked.good
        moments: dict[datetime, int] = {}
        at = [moments.setdefault(row.reported_at, len(moments)) for row in good]
        columns = [list(column) for column in zip(*good, strict=True)] if good else []
        if columns:
            columns[REPORTED_AT] = at
        return marshal.dumps((self.count, self.last, self.checked.ignored, self.checked.rejected,
                              self.cells, [moment.isoformat() for moment in moments], columns))

    @classmethod
    def unpack(cls, data: bytes) -> LabChunk:
        count, last, ignored, rejected, cells, moments, columns = marshal.loads(data)  # noqa: S302 - from our own checking process
        if columns:
            known = [datetime.fromisoformat(text) for text in moments]
            columns[REPORTED_AT] = [known[index] for index in columns[REPORTED_AT]]
        good = list(map(LabRow._make, zip(*columns, strict=True)))
        return cls(count, last, Checked(good, rejected, ignored), cells)


REPORTED_AT = LabRow._fields.index("reported_at")


def _joined(cells: list[Cell]) -> str:
    """A row's cells as one text (`raw_texts`); a CSV row's cells are texts already."""
    try:
        return CELL_SEPARATOR.join(cells)  # type: ignore[arg-type]
    except TypeError:
        return CELL_SEPARATOR.join(raw_texts(cells))


def check_chunk(rows: Iterator[Row], checker: LabChecker, size: int) -> LabChunk:
    """The next `size` rows (fewer at the end of the file) read and checked."""
    chunk = list(itertools.islice(rows, size))
    return LabChunk(len(chunk), chunk[-1].number if chunk else 0, checker.check_all(chunk),
                    {row.number: _joined(row.cells) for row in chunk})


class Chunks(Protocol):
    def next(self) -> LabChunk: ...

    def close(self) -> None: ...


class AheadChunks:
    """Batches of which the next one can be read and checked in a thread (`start`) while this
    thread waits for the database, for the UPDATE of the samples: the driver waits without
    holding the interpreter, and checking is over before the server (no tug of war)."""

    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks
        self._thread: threading.Thread | None = None
        self._ahead: LabChunk | BaseException | None = None

    def start(self) -> None:
        if self._thread is None and self._ahead is None:
            self._thread = threading.Thread(target=self._read, name="lab-import-ahead",
                                            daemon=True)
            self._thread.start()

    def _read(self) -> None:
        try:
            self._ahead = self.chunks.next()
        except BaseException as error:  # raised by `next`, in the importing thread
            self._ahead = error

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def next(self) -> LabChunk:
        self._join()
        item, self._ahead = self._ahead, None
        if item is None:
            return self.chunks.next()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._join()
        self.chunks.close()


class LocalChunks:
    """Batches read and checked in this process, when asked."""

    def __init__(self, rows: Iterator[Row], checker: LabChecker, size: int) -> None:
        self.rows, self.checker, self.size = rows, checker, size

    def next(self) -> LabChunk:
        return check_chunk(self.rows, self.checker, self.size)

    def close(self) -> None:
        """Nothing to stop: the caller closes the file."""


@dataclass(frozen=True)
class ChunkSpec:
    """What a checking process needs: the file, where its header is, the checker's settings,
    the batch size. Picklable."""

    source: ImportFile
    header_row: int
    columns: dict[str, int]
    default_lab: str
    now: datetime
    zone: ZoneInfo
    size: int


def _produce(spec: ChunkSpec, out: Any) -> None:
    """The checking process: packed batches into the queue, then an exception or the end."""
    try:
        with relaxed_gc(), open_rows(spec.source) as table:
            rows = (row for row in table if row.number > spec.header_row)
            checker = LabChecker(spec.columns, spec.default_lab, spec.now, spec.zone)
            while True:
                chunk = check_chunk(rows, checker, spec.size)
                out.put(chunk.pack())
                if chunk.count < spec.size:
                    return
    except BaseException as error:  # reported to the importing process, which raises it
        out.put(error)


class ProcessChunks:
    """Checked batches from a separate process, a couple of batches ahead (a bounded queue)."""

    def __init__(self, spec: ChunkSpec) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: Any = context.Queue(maxsize=2)
        self.process = context.Process(target=_produce, args=(spec, self.queue), daemon=True)
        self.process.start()

    def next(self) -> LabChunk:
        while True:
            try:
                item = self.queue.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError("the checking process ended unexpectedly") from None
                continue
            if isinstance(item, BaseException):
                raise item
            return LabChunk.unpack(item)

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.queue.close()
