"""Units of work that an `async` endpoint runs itself: the short, busy submissions (health
checks by staff and by personal link) that must not queue behind SQLite's write lock.

On SQLite there is one writer at a time for the whole database. Held across hops through the
thread pool, that lock starves the pool; waited for with SQLite's own busy handler, a worker
process sleeps in growing steps (1, 2, 5, 10 … ms) with its event loop stopped. Here a unit
runs on the event loop itself, in the turns of a `WriteGate`: one unit at a time per process
(queued, so waiting requests cost nothing), and one process at a time per database (an
exclusive `flock` on a file beside it, waited for in a worker thread, so the kernel hands it
over the moment the holder lets go; a turn runs every unit its process has queued). Each unit
commits before the answer is sent: what is acknowledged is stored. On PostgreSQL (row locks,
concurrent writers) a unit runs in the thread pool, where the round trips of concurrent
requests overlap.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Callable
from contextvars import Context, copy_context
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fangkong.db import write_gate_file

T = TypeVar("T")


class WriteGate:
    """Turns for SQLite's one write lock among the units of this process and the server's
    other worker processes (those that share the database file).

    Units wait in this process's queue; one task takes the file lock and runs every unit
    queued by then, one after another, then lets go. A process thus gets the lock in
    proportion to its load (its share of the clients), not one unit per turn: with 34 clients
    on one worker and 16 on the other, strict alternation gave the first worker's clients twice
    the latency of the second's."""

    def __init__(self, database: Path | None) -> None:
        self._path = write_gate_file(database) if database else None
        self._fd: int | None = None
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any], Context]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, unit: Callable[[], T]) -> T:
        """The unit's result (or its error), once it has run in its turn."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((unit, future, copy_context()))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            fd = None if self._path is None else self._file(self._path)
            if fd is not None:
                await self._take(fd)
            try:
                turn, self._queue = self._queue, []
                for unit, future, context in turn:
                    if future.cancelled():  # the client went away before its turn
                        continue
                    try:
                        result = context.run(unit)
                    except Exception as error:  # handed to the unit's caller
                        future.set_exception(error)
                    else:
                        future.set_result(result)
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    @staticmethod
    async def _take(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            await run_in_threadpool(fcntl.flock, fd, fcntl.LOCK_EX)

    def _file(self, path: Path) -> int:
        if self._fd is None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd


async def run_unit(request: Request, unit: Callable[[], T]) -> T:
    """Run a committing unit of work: on the event loop in the write gate's turns on SQLite,
    in the thread pool elsewhere."""
    gate: WriteGate | None = getattr(request.app.state, "write_gate", None)
    if gate is None:
        return await run_in_threadpool(unit)
    return await gate.run(unit)


def committed(session: Session, work: Callable[[], T]) -> T:
    """Run the work and commit; roll back at once on any error (never hold the lock longer)."""
    try:
        result = work()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result
