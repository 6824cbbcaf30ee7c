"""How fast a lab's result file is imported, against the raw engine rate in the same run.

Usage: python bench/bench_lab_import.py [ROWS]

Builds once, and reuses afterwards, ROWS tubes (1,000,000 by default; one in twenty pooled of
ten persons, the rest single) for ROWS / 2 persons over the demo city's grids, written with
bulk SQL (COPY on PostgreSQL, executemany on SQLite), in `var/bench/lab-<N>.db` on SQLite and
in the database `fangkong_bench_lab_<N>` of the PostgreSQL server at FANGKONG_BENCH_PG_URL
(default: the local one the tests use); and the lab file `var/bench/lab-<N>.csv` with one
result per tube (a title row, Chinese headers; about 1 in 2,000 positive).

Then, on each engine, from a state without results:

  raw       the same ROWS history rows inserted with executemany in one transaction (SQLite)
            or COPY (PostgreSQL): what the engine itself takes
  import    `run_lab_import` of the file (10,000 rows per transaction), in a fresh process:
            rows/s, the share of the raw rate, peak memory (max RSS of that process), its CPU
            seconds
  again     the same file imported a second time: every row unchanged, nothing written
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

from fangkong.areas.demo import DemoSize
from fangkong.areas.models import Area
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import do_build_demo
from fangkong.migrations import upgrade
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.validators import id_check_character
from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.testing.lab_import import run_lab_import
from fangkong.testing.models import Sample

CITY = "2201"
PG_URL = os.environ.get("FANGKONG_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHUNK = 50_000
POOL_EVERY = 20
POOL_SIZE = 10
POSITIVE_EVERY = 1999
LABS = ("长春市疾控中心实验室", "吉林大学第一医院检验科", "金域医学长春实验室")
BASE = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
ENTRY_COLUMNS = ("sample_id", "area_code", "result", "reported_at", "lab", "batch_id",
                 "recorded_by_id", "recorded_at")
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, secret_key="bench-secret-key-0123456789")  # noqa: S106


def pg_database(rows: int) -> str:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fangkong_bench_lab_{rows}"
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url


# --- the tubes and persons, by bulk SQL ---------------------------------------------------------


def resident(index: int) -> str:
    birth = datetime(1940, 1, 1) + timedelta(days=(index // 997) % 29000)  # noqa: DTZ001
    first17 = f"220104{birth:%Y%m%d}{index % 997:03d}"
    return first17 + id_check_character(first17)


def members_of(tube: int, persons: int) -> list[int]:
    """The person numbers in a tube (1-based ids are these + 1)."""
    if tube % POOL_EVERY == 0:
        return [(tube * POOL_SIZE + k) % persons for k in range(POOL_SIZE)]
    return [tube % persons]


def value(dialect: str, item: object) -> object:
    if dialect == "sqlite" and isinstance(item, datetime):
        return item.astimezone(UTC).strftime(SQLITE_DATETIME)
    return item


def write(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
          ) -> None:
    """Rows into a table in one transaction: COPY on PostgreSQL, executemany on SQLite."""
    names = ", ".join(columns)
    with engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                            (tuple(value("sqlite", item) for item in row) for row in rows))


def build(engine: Engine, rows: int) -> None:
    """The city, ROWS / 2 persons and ROWS tubes with their members, where missing."""
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        do_build_demo(session, size=DemoSize(), seed=2020)
        grids = list(session.scalars(select(Area.code).where(
            Area.code.startswith(CITY), Area.level == "grid").order_by(Area.code)))
        have = session.scalar(select(func.count()).select_from(Sample)) or 0
    if have >= rows:
        return
    started = time.perf_counter()
    persons = rows // 2
    now = datetime.now(UTC)
    grid_of = [grids[(index * 7) % len(grids)] for index in range(persons)]
    write(engine, "persons", ("id", "area_code", "relation", "name", "id_type", "id_number",
                              "phone", "residence", "occupation", "notes", "status",
                              "created_at", "updated_at"),
          ((index + 1, grid_of[index], "other", "受检者", "resident_id", resident(index), "",
            "resident", "", "", "active", now, now) for index in range(persons)))
    collected = BASE - timedelta(days=1)
    write(engine, "samples", ("id", "tube_code", "area_code", "kind", "reason", "pooled",
                              "collected_at", "collected_where", "result", "lab"),
          ((tube + 1, f"T{tube:09d}", grid_of[members_of(tube, persons)[0]], "nucleic_acid",
            "mass", tube % POOL_EVERY == 0, collected, "", "pending", "")
           for tube in range(rows)))
    write(engine, "sample_members", ("sample_id", "person_id", "area_code", "retest"),
          ((tube + 1, person + 1, grid_of[person], "none") for tube in range(rows)
           for person in members_of(tube, persons)))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("persons", "samples"):
                sql = (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                       f"(SELECT MAX(id) FROM {table}))")
                connection.execute(text(sql))
    print(f"  {rows:,} tubes for {persons:,} persons built in "
          f"{time.perf_counter() - started:.0f} s")


def lab_file(rows: int) -> Path:
    path = Path("var/bench") / f"lab-{rows}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["长春市核酸检测结果报告（基准测试）"])
        out.writerow(["序号", "试管编号", "检测结果", "检测时间", "检测机构"])
        zone = settings_for("sqlite://").zone
        for tube in range(rows):
            out.writerow([tube + 1, f"T{tube:09d}", result_of(tube), reported(tube)
                          .astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                          LABS[tube % len(LABS)]])
    return path


def result_of(tube: int) -> str:
    return "阳性" if tube % POSITIVE_EVERY == 0 else "阴性"


def reported(tube: int) -> datetime:
    return BASE + timedelta(seconds=tube % 80_000)


# --- measuring --------------------------------------------------------------------------------


def reset(engine: Engine) -> None:
    """Back to tubes without results (what an import or the raw insert left is removed)."""
    statements = (
        "DELETE FROM sample_results",
        "UPDATE samples SET result = 'pending', result_at = NULL, lab = '' "
        "WHERE result <> 'pending'",
        "UPDATE sample_members SET retest = 'none' WHERE retest <> 'none'",
        "DELETE FROM positives",
        "DELETE FROM quarantine_alerts WHERE kind = 'positive'",
        "DELETE FROM import_rejections WHERE batch_id IN "
        "(SELECT id FROM import_batches WHERE kind = 'lab')",
        "DELETE FROM import_batches WHERE kind = 'lab'",
        "DELETE FROM daily_counters WHERE metric LIKE 'samples.result.%' "
        "OR metric IN ('positives.new', 'alerts.raised.positive')",
    )
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def raw_rate(engine: Engine, rows: int, persons: int) -> float:
    """The same history rows written straight into the table, in one transaction."""
    grids: dict[int, str] = {}
    with engine.connect() as connection:
        for tube, area in connection.execute(text("SELECT id, area_code FROM samples")):
            grids[int(tube)] = str(area)
    del persons
    now = datetime.now(UTC)
    started = time.perf_counter()
    write(engine, "sample_results", ENTRY_COLUMNS,
          ((tube + 1, grids[tube + 1], "positive" if result_of(tube) == "阳性" else "negative",
            reported(tube), LABS[tube % len(LABS)], None, None, now) for tube in range(rows)))
    elapsed = time.perf_counter() - started
    return rows / elapsed


Measured = tuple[float, dict[str, int], int, float]
"""Seconds, the import's counts, peak memory (KiB), CPU seconds of the importing process."""


def _import_child(url: str, path: str, queue: Any) -> None:
    settings = settings_for(url)
    engine = make_engine(settings)
    session = make_session_factory(engine, write=True)()
    started = time.perf_counter()
    batch = run_lab_import(session, actor=SYSTEM, source=ImportFile(Path(path), Path(path).name),
                           batch_size=10_000, max_mb=500, zone=settings.zone)
    elapsed = time.perf_counter() - started
    counts = dict(batch.counts)
    session.close()
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put((elapsed, counts, usage.ru_maxrss, usage.ru_utime + usage.ru_stime))


def timed_import(url: str, path: Path) -> Measured:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_import_child, args=(url, str(path), queue))
    child.start()
    result: Measured = queue.get()
    child.join()
    return result


def report(label: str, rows: int, measured: Measured, raw: float) -> None:
    elapsed, counts, rss_kb, cpu = measured
    rate = rows / elapsed
    print(f"  {label:<7} {rows:,} rows in {elapsed:6.1f} s: {rate:9,.0f} rows/s = "
          f"{100 * rate / raw:5.1f} % of raw; peak memory {rss_kb / 1024:,.0f} MiB; "
          f"CPU {cpu:5.1f} s; added {counts.get('added', 0):,}, "
          f"unchanged {counts.get('unchanged', 0):,}, rejected {counts.get('rejected', 0):,}, "
          f"positives {counts.get('positives', 0):,}, retests {counts.get('retests', 0):,}")


def main(rows: int) -> None:
    path = lab_file(rows)
    print(f"lab file {path}: {path.stat().st_size / 2**20:,.0f} MiB, {rows:,} rows; "
          f"load average {os.getloadavg()[0]:.1f}")
    sqlite_path = Path("var/bench") / f"lab-{rows}.db"
    for url in (f"sqlite:///{sqlite_path}", pg_database(rows)):
        engine = make_engine(settings_for(url))
        print(f"== {engine.dialect.name}")
        build(engine, rows)
        reset(engine)
        raw = raw_rate(engine, rows, rows // 2)
        how = "COPY" if engine.dialect.name == "postgresql" else "executemany, one transaction"
        print(f"  raw     {rows:,} rows: {raw:9,.0f} rows/s ({how})")
        reset(engine)
        for label in ("import", "again"):
            report(label, rows, timed_import(url, path), raw)
        engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    main(parser.parse_args().rows)
