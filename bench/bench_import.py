"""Import benchmark: a 1,000,000-person roster (CSV and xlsx) into the registry, end to end
(parse, normalise, check, upsert by natural key, counters), on SQLite and on PostgreSQL.

For each engine and format it prints the end-to-end rate, the engine's raw rate for the same
person rows in the same run (plain executemany in one transaction on SQLite, COPY on
PostgreSQL, into an identical copy of the persons table), their ratio, and the peak memory of
the import (its own process: ru_maxrss). On SQLite it also prints the raw rate in
transactions of the size the import commits (each commit writes the pages the transaction
changed, and random-key indexes change most of theirs): the engine's floor for the import.
Each import runs in a child process on a scratch database (an SQLite file under var/bench/;
a PostgreSQL database created and dropped).

    .venv/bin/python bench/bench_import.py [--persons N] [--engine sqlite|postgresql|both]
                                           [--format csv|xlsx|both] [--batch-size N] [--twice]
                                           [--index-costs]

PostgreSQL: FANGKONG_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
Aims: CSV at least 50,000 rows/s end to end on a 2-core machine, at least a quarter of the raw
engine rate, peak memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _roster import roster_file
from sqlalchemy import Engine, create_engine, text

from fangkong.areas.demo import DemoSize, do_build_demo_tree
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.migrations import upgrade
from fangkong.registry.bulk_writer import SQLITE_CACHE_KIB
from fangkong.registry.importer import CLI_BATCH, COMMIT_ROWS
from fangkong.registry.importer_job import run_import
from fangkong.registry.importer_source import ImportFile
from fangkong.scope import SYSTEM
from fangkong.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PG_URL = os.environ.get("FANGKONG_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RAW_CHUNK = 50_000
SECONDARY_INDEXES = ("ix_persons_name_birth_date", "ix_persons_area_code_status",
                     "ix_persons_household_id")
COLUMNS = ("id", "area_code", "household_id", "relation", "name", "sex", "id_type", "id_number",
           "birth_date", "phone", "residence", "occupation", "notes", "status", "created_at",
           "updated_at")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--format", choices=("csv", "xlsx", "both"), default="both")
    parser.add_argument("--batch-size", type=int, default=CLI_BATCH)
    parser.add_argument("--workers", type=int, choices=(0, 1), default=1,
                        help="processes checking rows beside the one writing (0: none)")
    parser.add_argument("--twice", action="store_true", help="import the file a second time")
    parser.add_argument("--index-costs", action="store_true",
                        help="SQLite: the raw rate again without each secondary index")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args()


# The child: one import on a scratch database -------------------------------------------------


@contextmanager
def scratch_database(engine_name: str) -> Iterator[str]:
    """The URL of an empty database, removed afterwards."""
    if engine_name == "sqlite":
        path = BENCH_DIR / f"bench-{os.getpid()}.db"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm", "-writegate"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fangkong_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def raw_copy_sqlite(engine: Engine, commit_rows: int | None = None, without: str = "") -> float:
    """Seconds of plain executemany of the person rows into a copy of the table, in one
    transaction, or in one per `commit_rows` rows as the import commits (the reading of the
    rows is not counted); `without`: an index of the persons left out of the copy."""
    raw = engine.raw_connection()
    connection: Any = raw.driver_connection
    connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")  # as the import has it
    table = f"raw_persons_{commit_rows or 'all'}_{without or 'all'}"
    ddl = [sql for name, sql in connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'persons' AND sql IS NOT NULL")
        if name != without]
    for statement in ddl:
        connection.execute(statement.replace("persons", table))
    names = ", ".join(COLUMNS)
    marks = ", ".join("?" * len(COLUMNS))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    select = f"SELECT {names} FROM persons WHERE id > ? ORDER BY id LIMIT {RAW_CHUNK}"  # noqa: S608
    spent, last, pending = 0.0, 0, 0
    connection.execute("BEGIN")
    while rows := connection.execute(select, (last,)).fetchall():
        last = rows[-1][0]
        start = time.perf_counter()
        connection.executemany(insert, rows)
        pending += len(rows)
        if commit_rows and pending >= commit_rows:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
            pending = 0
        spent += time.perf_counter() - start
    start = time.perf_counter()
    connection.execute("COMMIT")
    spent += time.perf_counter() - start
    raw.close()
    return spent


def raw_copy_postgresql(engine: Engine) -> float:
    """Seconds of COPY of the person rows into a copy of the table (rows dumped beforehand)."""
    dump = BENCH_DIR / f"persons-{os.getpid()}.copy"
    raw = engine.raw_connection()
    connection: Any = raw.driver_connection
    names = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE raw_persons (LIKE persons INCLUDING ALL)")
        cursor.execute("ALTER TABLE raw_persons ADD FOREIGN KEY (area_code) REFERENCES areas, "
                       "ADD FOREIGN KEY (household_id) REFERENCES households")
        connection.commit()
        with dump.open("wb") as handle, cursor.copy(
                f"COPY persons ({names}) TO STDOUT") as copy:
            for block in copy:
                handle.write(block)
        start = time.perf_counter()
        into = f"COPY raw_persons ({names}) FROM STDIN"
        with dump.open("rb") as handle, cursor.copy(into) as copy:
            while block := handle.read(1 << 20):
                copy.write(block)
        connection.commit()
        spent = time.perf_counter() - start
    raw.close()
    dump.unlink(missing_ok=True)
    return spent


def child(args: argparse.Namespace) -> None:
    engine_name, fmt = args.child.split(":")
    path = roster_file(BENCH_DIR, args.persons, fmt)
    with scratch_database(engine_name) as url:
        engine = make_engine(Settings(database_url=url))
        upgrade(engine)
        with transaction(engine) as session:
            do_build_demo_tree(session, size=DemoSize(), seed=2020)
        session = make_session_factory(engine, write=True)()
        cpu = cpu_seconds(resource.RUSAGE_SELF)
        start = time.perf_counter()
        batch = run_import(session, actor=SYSTEM, source=ImportFile(path, path.name),
                           area_code="2201", batch_size=args.batch_size, max_mb=100_000,
                           workers=args.workers)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        checking = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        result: dict[str, Any] = {"seconds": seconds, "peak": peak, "checking": checking,
                                  "cpu": cpu, "checking_cpu": cpu_seconds(
                                      resource.RUSAGE_CHILDREN), "counts": batch.counts}
        if args.twice:
            start = time.perf_counter()
            again = run_import(session, actor=SYSTEM, source=ImportFile(path, path.name),
                               area_code="2201", batch_size=args.batch_size, max_mb=100_000,
                               workers=args.workers)
            result.update(again_seconds=time.perf_counter() - start, again=again.counts)
        session.close()
        if engine_name == "sqlite":
            result["raw_seconds"] = raw_copy_sqlite(engine)
            result["raw_batched_seconds"] = raw_copy_sqlite(engine, COMMIT_ROWS)
            if args.index_costs:
                result["without"] = {name: raw_copy_sqlite(engine, COMMIT_ROWS, name)
                                     for name in SECONDARY_INDEXES}
        else:
            result["raw_seconds"] = raw_copy_postgresql(engine)
        engine.dispose()
    print(json.dumps(result))


# The parent: files, children, figures --------------------------------------------------------


def run_child(args: argparse.Namespace, engine_name: str, fmt: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", f"{engine_name}:{fmt}",
               "--persons", str(args.persons), "--batch-size", str(args.batch_size),
               "--workers", str(args.workers)]
    if args.twice:
        command.append("--twice")
    if args.index_costs:
        command.append("--index-costs")
    output = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def report(engine_name: str, fmt: str, persons: int, result: dict[str, Any]) -> None:
    counts = result["counts"]
    rate = persons / result["seconds"]
    raw = persons / result["raw_seconds"]
    print(f"{engine_name:10} {fmt:4}  end to end {rate:10,.0f} rows/s ({result['seconds']:.1f} s)"
          f"  raw {raw:10,.0f} rows/s  ratio {rate / raw:.2f}"
          f"  peak memory {result['peak'] / 2**20:,.0f} MiB"
          f" + {result['checking'] / 2**20:,.0f} MiB checking")
    print(f"{'':16}added {counts['added']:,}  rejected {counts['rejected']:,}  ignored "
          f"{counts['ignored']:,}  households {counts['households_added']:,}")
    if "raw_batched_seconds" in result:
        print(f"{'':16}raw in transactions of {COMMIT_ROWS:,} rows, as the import commits: "
              f"{persons / result['raw_batched_seconds']:,.0f} rows/s (the persons alone)")
    busiest = max(result["cpu"], result["checking_cpu"])
    print(f"{'':16}cpu: writing {result['cpu']:.1f} s, checking {result['checking_cpu']:.1f} s"
          f" (the busier of the two processes bounds an idle 2-core machine at "
          f"{persons / busiest:,.0f} rows/s, database server not counted)")
    for name, seconds in result.get("without", {}).items():
        saved = result["raw_batched_seconds"] - seconds
        print(f"{'':16}without {name}: {persons / seconds:,.0f} rows/s "
              f"(the index costs {saved / persons * 1e6:.1f} µs per row)")
    if "again_seconds" in result:
        again = result["again"]
        print(f"{'':16}second import {persons / result['again_seconds']:,.0f} rows/s "
              f"({result['again_seconds']:.1f} s): unchanged {again['unchanged']:,}, "
              f"added {again['added']:,}, updated {again['updated']:,}")


def main() -> None:
    args = parse()
    if args.child:
        child(args)
        return
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    formats = ("csv", "xlsx") if args.format == "both" else (args.format,)
    for fmt in formats:
        start = time.perf_counter()
        path = roster_file(BENCH_DIR, args.persons, fmt)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 2**20:,.0f} MiB "
              f"(ready in {time.perf_counter() - start:.1f} s)")
    print(f"{args.persons:,} persons, batches of {args.batch_size:,} rows, "
          f"{args.workers} checking process(es), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    for engine_name in engines:
        for fmt in formats:
            report(engine_name, fmt, args.persons, run_child(args, engine_name, fmt))
            print(f"{'':16}load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
