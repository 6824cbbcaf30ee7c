"""How fast the coverage of a screening round is read, for the whole city and for one grid.

Usage: python bench/bench_coverage.py [PERSONS] [REPETITIONS] [ENGINES]  (sqlite,postgresql)

Builds once, and reuses afterwards, a city of PERSONS persons (1,000,000 by default, about
430,000 households over the demo city's grids) with a round in progress (visits to 60 % of the
households, through the demo round's bulk path): in `var/bench/coverage-<N>.db` on SQLite and in
the database `fangkong_bench_<N>` of the PostgreSQL server at FANGKONG_BENCH_PG_URL (default
the local one the tests use). Then times, many times over, what the coverage page reads:

  figures   the area's figures alone (two GROUP BYs over the counter rows)
  page      everything the coverage page shows: figures, its parts with their leaders,
            progress per grid worker and per day

for the city and for one grid, and prints the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from fangkong.areas.demo import DemoSize
from fangkong.areas.models import Area
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import do_build_demo
from fangkong.migrations import upgrade
from fangkong.registry.counting import refresh_counters
from fangkong.registry.generate import generate_households
from fangkong.registry.models import Household, Person
from fangkong.screening.demo import do_build_demo_round
from fangkong.screening.models import ScreeningRound
from fangkong.screening.queries import area_figures, coverage_of
from fangkong.screening.views import local_today
from fangkong.settings import Settings

CITY = "2201"
GRID = "220102001001001"
SEED = 2020
BATCH = 20_000
PG_URL = os.environ.get("FANGKONG_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PERSON_FIELDS = ("area_code", "name", "sex", "id_type", "id_number", "birth_date", "phone",
                 "relation", "residence", "occupation", "notes")


def settings_for(url: str) -> Settings:
    return Settings(database_url=url)


def pg_database(persons: int) -> str:
    """The benchmark's PostgreSQL database, created when missing; its URL."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fangkong_bench_{persons}"
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url


def _flush(session: Session, households: list[dict[str, object]],
           persons: list[dict[str, object]]) -> None:
    if households:
        session.execute(insert(Household), households)
    if persons:
        session.execute(insert(Person), persons)
    households.clear()
    persons.clear()


def load_population(session: Session, persons: int) -> None:
    """The registry's generated population, inserted in batches (executemany)."""
    grids = list(session.scalars(select(Area.code).where(
        Area.code.startswith(CITY), Area.level == "grid").order_by(Area.code)))
    next_id = (session.scalar(select(func.max(Household.id))) or 0) + 1
    households: list[dict[str, object]] = []
    members: list[dict[str, object]] = []
    for generated in generate_households(grids, persons, SEED):
        households.append({**generated.as_row(), "id": next_id})
        members.extend({**{key: person[key] for key in PERSON_FIELDS},
                        "household_id": next_id, "status": "active"}
                       for person in generated.members)
        next_id += 1
        if len(members) >= BATCH:
            _flush(session, households, members)
    _flush(session, households, members)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('households', 'id'), "
                             "(SELECT MAX(id) FROM households))"))
    refresh_counters(session, grids)


def prepare(engine: Engine, persons: int) -> int:
    """The city, its population and the demo round, built where missing; the round's id."""
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        do_build_demo(session, size=DemoSize(), seed=SEED)
    with transaction(factory) as session:
        if (session.scalar(select(func.count()).select_from(Person)) or 0) < persons:
            started = time.perf_counter()
            load_population(session, persons)
            print(f"  population loaded in {time.perf_counter() - started:.0f} s")
    with transaction(factory) as session:
        started = time.perf_counter()
        round_ = do_build_demo_round(session, seed=SEED, coverage=0.6)
        round_id = round_.id
    print(f"  demo round ready in {time.perf_counter() - started:.0f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return round_id


def timed(factory: sessionmaker[Session], work: Callable[[Session], object],
          repetitions: int) -> tuple[float, float, float]:
    """Median and 95th percentile of `work`'s wall time and the median of this process's CPU
    time, in milliseconds, a fresh session each time. (On SQLite the CPU time is the query's
    own work, whatever else the machine is busy with; on PostgreSQL the server's is not in it.)"""
    samples, cpu = [], []
    for _ in range(repetitions):
        with factory() as session:
            started, used = time.perf_counter(), time.process_time()
            work(session)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], statistics.median(
        cpu)


def measure(engine: Engine, round_id: int, repetitions: int) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        round_ = session.get_one(ScreeningRound, round_id)
        figures = area_figures(session, round_id=round_id, area_code=CITY)
        households = session.scalar(select(func.count()).select_from(Household))
        persons = session.scalar(select(func.count()).select_from(Person))
    print(f"  {persons:,} persons, {households:,} households; round {round_id}: "
          f"{figures.reached:,} reached ({figures.reached_pct} %), "
          f"{figures.persons_seen:,} persons seen")
    today = local_today(Settings().zone)
    for code in (CITY, GRID):
        def figures_of(session: Session, code: str = code) -> object:
            return area_figures(session, round_id=round_id, area_code=code)

        def page_of(session: Session, code: str = code) -> object:
            area = session.get_one(Area, code)
            return coverage_of(session, round_=session.merge(round_), area=area, today=today)

        for label, work in (("figures", figures_of), ("page", page_of)):
            median, p95, cpu = timed(factory, work, repetitions)
            print(f"  {engine.dialect.name:<10} {code:<16} {label:<8} "
                  f"median {median:7.2f} ms   p95 {p95:7.2f} ms   cpu {cpu:7.2f} ms   "
                  f"(load {os.getloadavg()[0]:.1f})")


def main(persons: int, repetitions: int, engines: str) -> None:
    path = Path("var/bench") / f"coverage-{persons}.db"
    urls = {"sqlite": f"sqlite:///{path}", "postgresql": ""}
    for name in engines.split(","):
        url = urls[name] or pg_database(persons)
        engine = make_engine(settings_for(url))
        print(f"== {engine.dialect.name}: {persons:,} persons")
        round_id = prepare(engine, persons)
        measure(engine, round_id, repetitions)
        engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 200,
         sys.argv[3] if len(sys.argv) > 3 else "sqlite,postgresql")
