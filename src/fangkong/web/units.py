"""Units of work that an `async` endpoint runs itself: the short, busy submissions (health
checks by staff and by personal link) that must not queue behind SQLite's write lock.

On SQLite there is one writer at a time for the whole database. Held across hops through the
thread pool, that lock starves the pool; waited for with SQLite's own busy handler, a worker
process sleeps in growing steps (1, 2, 5, 10 … ms) with its event loop stopped. Here a unit
runs on the event loop itself, behind a `WriteGate`: one unit at a time per process (an asyncio
lock, so waiting requests cost nothing), and one process at a time per database (an exclusive
`flock` on a file beside it, waited for in a worker thread, so the kernel hands it over the
moment the holder lets go). Each unit commits before the answer is sent: what is acknowledged
is stored. On PostgreSQL (row locks, concurrent writers) a unit runs in the thread pool, where
the round trips of concurrent requests overlap.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar
from weakref import WeakKeyDictionary

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


class WriteGate:
    """Turns for SQLite's one write lock among the units of this process and the server's
    other worker processes (those that share the database file)."""

    def __init__(self, database: Path | None) -> None:
        self._path = database.with_name(database.name + "-writegate") if database else None
        self._fd: int | None = None
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            WeakKeyDictionary())

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        async with lock:
            if self._path is None:  # an in-memory database lives in one process
                yield
                return
            fd = self._file(self._path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await run_in_threadpool(fcntl.flock, fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self, path: Path) -> int:
        if self._fd is None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd


async def run_unit(request: Request, unit: Callable[[], T]) -> T:
    """Run a committing unit of work: on the event loop behind the write gate on SQLite, in
    the thread pool elsewhere."""
    gate: WriteGate | None = getattr(request.app.state, "write_gate", None)
    if gate is None:
        return await run_in_threadpool(unit)
    async with gate.turn():
        return unit()


def committed(session: Session, work: Callable[[], T]) -> T:
    """Run the work and commit; roll back at once on any error (never hold the lock longer)."""
    try:
        result = work()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result
