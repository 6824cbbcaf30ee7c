"""The write gate gives SQLite's one write lock to one unit at a time: within a process in turn,
and across processes by a lock on a file beside the database, waited for without stopping the
event loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from fangkong.web.units import WriteGate

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine on an event loop of its own thread (the browser tests' driver keeps a loop
    running on the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_units_of_one_process_take_turns(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "city.db")
    inside: list[int] = []
    most = 0

    async def unit(number: int) -> None:
        nonlocal most
        async with gate.turn():
            inside.append(number)
            most = max(most, len(inside))
            await asyncio.sleep(0.001)
            inside.remove(number)

    async def main() -> None:
        await asyncio.gather(*(unit(number) for number in range(20)))

    run(main())
    assert most == 1
    assert (tmp_path / "city.db-writegate").exists()


def test_a_unit_waits_for_another_process_and_the_loop_keeps_running(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "city.db")
    other = os.open(tmp_path / "city.db-writegate", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)  # another worker process holds the gate
    events: list[str] = []

    async def unit() -> None:
        async with gate.turn():
            events.append("unit")

    async def other_process_lets_go() -> None:
        for _ in range(5):
            await asyncio.sleep(0.01)
            events.append("tick")  # the loop serves other requests meanwhile
        fcntl.flock(other, fcntl.LOCK_UN)

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(unit(), other_process_lets_go()), timeout=10)

    try:
        run(main())
    finally:
        os.close(other)
    assert events == ["tick"] * 5 + ["unit"]


def test_an_in_memory_database_needs_no_file(tmp_path: Path) -> None:
    gate = WriteGate(None)

    async def main() -> str:
        async with gate.turn():
            return "done"

    assert run(main()) == "done"
    assert not list(tmp_path.iterdir())
