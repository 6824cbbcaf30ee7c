"""The write gate gives SQLite's one write lock to one unit at a time: within a process in
turns that run every unit queued by then, and across processes by a lock on a file beside the
database, waited for without stopping the event loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from fangkong.db import make_engine, write_turn
from fangkong.settings import Settings
from fangkong.web.units import WriteGate

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine on an event loop of its own thread (the browser tests' driver keeps a loop
    running on the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_each_unit_gets_its_own_result_or_error(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "city.db")
    order: list[int] = []

    def unit(number: int) -> int:
        order.append(number)
        if number == 3:
            raise ValueError("bad temperature")
        return number * 10

    async def main() -> list[object]:
        return await asyncio.gather(*(gate.run(partial(unit, n)) for n in range(6)),
                                    return_exceptions=True)

    results = run(main())
    assert results[:3] == [0, 10, 20]
    assert isinstance(results[3], ValueError)
    assert results[4:] == [40, 50]
    assert order == list(range(6))  # in the order they came, one at a time
    assert (tmp_path / "city.db-writegate").exists()


def test_a_turn_waits_for_another_process_and_the_loop_keeps_running(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "city.db")
    other = os.open(tmp_path / "city.db-writegate", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)  # another worker process holds the gate
    events: list[str] = []

    def unit() -> None:
        events.append("unit")

    async def other_process_lets_go() -> None:
        for _ in range(5):
            await asyncio.sleep(0.01)
            events.append("tick")  # the loop serves other requests meanwhile
        fcntl.flock(other, fcntl.LOCK_UN)

    async def main() -> None:
        units = [gate.run(unit) for _ in range(3)]
        await asyncio.wait_for(asyncio.gather(*units, other_process_lets_go()), timeout=10)

    try:
        run(main())
    finally:
        os.close(other)
    assert events == ["tick"] * 5 + ["unit"] * 3  # all three queued units in the one turn


def test_the_gate_is_free_again_after_a_turn(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "city.db")
    assert run(gate.run(lambda: "first")) == "first"
    other = os.open(tmp_path / "city.db-writegate", os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if still held
    finally:
        os.close(other)
    missing: dict[str, str] = {}
    with pytest.raises(KeyError):
        run(gate.run(lambda: missing["key"]))


def test_an_in_memory_database_needs_no_file(tmp_path: Path) -> None:
    gate = WriteGate(None)
    assert run(gate.run(lambda: "done")) == "done"
    assert not list(tmp_path.iterdir())


def test_a_long_writer_takes_its_turn_at_the_same_gate(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'city.db'}"))
    other = os.open(tmp_path / "city.db-writegate", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)  # a web worker's turn
    entered = threading.Event()

    def import_transaction() -> None:
        with Session(engine) as session, write_turn(session):
            entered.set()

    writer = threading.Thread(target=import_transaction)
    try:
        writer.start()
        assert not entered.wait(0.2)  # waits for the web worker's turn to end
        fcntl.flock(other, fcntl.LOCK_UN)
        assert entered.wait(10)
        writer.join(10)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again: would raise if held
    finally:
        os.close(other)
        engine.dispose()


def test_a_writer_to_memory_or_postgresql_takes_no_turn(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url="sqlite://"))
    with Session(engine) as session, write_turn(session):
        pass
    engine.dispose()
    assert not list(tmp_path.iterdir())
