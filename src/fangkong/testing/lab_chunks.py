"""The rows of a lab file read and checked batch by batch; the next batch can be read and
checked in a thread while the importing thread waits for the database (`AheadChunks`)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from fangkong.registry.importer_rows import raw_texts
from fangkong.tabular import Row
from fangkong.testing.lab_rows import Checked, LabChecker


@dataclass
class LabChunk:
    """One batch of rows as read, and the check's outcome."""

    rows: list[Row] = field(default_factory=list)
    checked: Checked = field(default_factory=Checked)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def last(self) -> int:
        """The number of the batch's last row (0 for none)."""
        return self.rows[-1].number if self.rows else 0

    def raw(self, numbers: set[int]) -> dict[int, list[str]]:
        """The cells of these rows as texts (for the download of the rejected rows)."""
        return {row.number: raw_texts(row.cells) for row in self.rows if row.number in numbers}


class LabChunks:
    """Batches of `size` rows (fewer at the end of the file) read and checked when asked."""

    def __init__(self, rows: Iterator[Row], checker: LabChecker, size: int) -> None:
        self.rows, self.checker, self.size = rows, checker, size

    def next(self) -> LabChunk:
        chunk = list(itertools.islice(self.rows, self.size))
        return LabChunk(chunk, self.checker.check_all(chunk))


class AheadChunks:
    """Batches of which the next one can be read and checked in a thread (`start`) while this
    thread waits for the database, for the UPDATE of the samples: the driver waits without
    holding the interpreter, and checking is over before the server (no tug of war)."""

    def __init__(self, chunks: LabChunks) -> None:
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

    def join(self) -> None:
        """Wait for the batch being read ahead, if any (before the file is closed)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def next(self) -> LabChunk:
        self.join()
        item, self._ahead = self._ahead, None
        if item is None:
            return self.chunks.next()
        if isinstance(item, BaseException):
            raise item
        return item
