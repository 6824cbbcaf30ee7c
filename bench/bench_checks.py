"""Health-check submissions through the HTTP API under concurrent load, on SQLite and PostgreSQL.

The app is served by uvicorn in a subprocess on 127.0.0.1 (on a scratch database: an SQLite file
in a temporary folder, a PostgreSQL database created and dropped for the run) with N active
quarantines and bearer tokens; this process is the load generator: `clients` keep-alive
connections posting `POST /api/v1/quarantine/{id}/checks` for `seconds` (2% of them fevers,
which raise alerts). Printed per engine: requests per second, p50/p99 latency, errors (must be
0) and checks stored (must equal the requests acknowledged, warm-up included).

Usage: python bench/bench_checks.py [--engines sqlite,postgresql] [--clients 50]
       [--seconds 10] [--workers 2] [--quarantines 1000] [--warmup 2]
(The issue's run is `--seconds 60`.)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from _load_http import Request, Tally, percentile, run_load
from sqlalchemy import create_engine, func, select, text

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.queries import get_user_by_username
from fangkong.areas.demo import DemoSize
from fangkong.areas.models import Area
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import do_build_demo
from fangkong.migrations import upgrade
from fangkong.quarantine.actions import do_start_quarantine
from fangkong.quarantine.models import HealthCheck
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.scope import SYSTEM
from fangkong.settings import Settings

PG_ADMIN_URL = os.environ.get("FANGKONG_BENCH_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"
SECRET = "bench-secret-key-0123456789abcdef"  # noqa: S105 - a scratch server's key
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class World:
    quarantine_ids: list[int]
    tokens: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def scratch_database(engine_name: str) -> Iterator[str]:
    """A database URL for the run, removed afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fangkong-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"fangkong_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_world(url: str, quarantines: int, tokens: int) -> World:
    """The demo city, `quarantines` persons under home quarantine across its grids (through
    the registry's and the module's actions), and API tokens of the city commander."""
    engine = make_engine(Settings(database_url=url, secret_key=SECRET))
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        do_build_demo(session, size=DemoSize(2, 2), seed=2020)
        grids = list(session.scalars(select(Area.code).where(Area.level == "grid")
                                     .order_by(Area.code)))
        ids = []
        today = datetime.now(ZONE).date()
        for number in range(quarantines):
            grid = grids[number % len(grids)]
            household = do_create_household(session, actor=SYSTEM, data=HouseholdCreate(
                area_code=grid, address=f"基准小区{number // 4 + 1}栋"))
            name = SURNAMES[number % 20] + GIVEN[(number // 20) % 20] + GIVEN[(number // 400) % 20]
            person = do_create_person(session, actor=SYSTEM, data=PersonCreate(
                household_id=household.id, name=name, relation="head"))
            ids.append(do_start_quarantine(session, actor=SYSTEM, person=person, kind="home",
                                           start=today).id)
        city = get_user_by_username(session, "city")
        if city is None:
            raise SystemExit("the demo city has no user `city`")
        secrets = [do_create_token(session, actor=SYSTEM, user=city, name=f"bench {n}")[1]
                   for n in range(tokens)]
    engine.dispose()
    return World(ids, secrets)


def count_checks(url: str) -> int:
    engine = make_engine(Settings(database_url=url, secret_key=SECRET))
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(HealthCheck)).scalar_one()
    engine.dispose()
    return int(stored)


@contextmanager
def serve(url: str, workers: int) -> Iterator[int]:
    """uvicorn serving the app on the database in a subprocess; yields its port."""
    port = free_port()
    env = {**os.environ, "FANGKONG_DATABASE_URL": url, "FANGKONG_SECRET_KEY": SECRET}
    command = [sys.executable, "-m", "uvicorn", "fangkong.asgi:app", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--no-access-log"]
    server = subprocess.Popen(command, env=env)  # noqa: S603 - our own server, fixed arguments
    try:
        wait_until_up(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within a minute")


def requests_for(world: World) -> object:
    ids, tokens = world.quarantine_ids, world.tokens
    normal = json.dumps({"temperature": "36.6", "symptoms": []}).encode()
    fever = json.dumps({"temperature": "37.9", "symptoms": ["cough"]}).encode()

    def make(client: int, sent: int) -> Request:
        quarantine_id = ids[(client * 7919 + sent * 31) % len(ids)]
        headers = {"Authorization": f"Bearer {tokens[client % len(tokens)]}",
                   "Content-Type": "application/json"}
        body = fever if (client + sent) % 50 == 0 else normal
        return ("POST", f"/api/v1/quarantine/{quarantine_id}/checks", headers, body)

    return make


def report(engine_name: str, options: argparse.Namespace, tally: Tally, *, wall: float,
           warm: Tally, stored: int) -> bool:
    total = sum(tally.statuses.values())
    errors = total - tally.statuses.get(201, 0) + len(tally.failures)
    warm_errors = sum(warm.statuses.values()) - warm.statuses.get(201, 0) + len(warm.failures)
    acknowledged = warm.statuses.get(201, 0) + tally.statuses.get(201, 0)
    print(f"== {engine_name}: {options.clients} clients, {options.seconds:g} s, "
          f"{options.workers} worker(s), {options.quarantines} active quarantines")
    print(f"requests           {total:>10,}")
    print(f"requests/s         {total / wall:>10,.1f}")
    print(f"latency p50 ms     {percentile(tally.latencies, 0.50) * 1000:>10.1f}")
    print(f"latency p99 ms     {percentile(tally.latencies, 0.99) * 1000:>10.1f}")
    print(f"errors             {errors:>10,}  {dict(sorted(tally.statuses.items()))}"
          f"  (warm-up: {warm_errors})")
    print(f"acknowledged       {acknowledged:>10,}  (warm-up included)")
    verdict = "= acknowledged" if stored == acknowledged else "MISMATCH"
    print(f"checks stored      {stored:>10,}  {verdict}")
    for failure in tally.failures[:5]:
        print(f"  {failure}")
    return errors == 0 and warm_errors == 0 and stored == acknowledged


def bench(engine_name: str, options: argparse.Namespace) -> bool:
    with scratch_database(engine_name) as url:
        began = time.perf_counter()
        world = build_world(url, options.quarantines, options.tokens)
        print(f"({engine_name}: set up {options.quarantines} quarantines in "
              f"{time.perf_counter() - began:.1f} s)")
        make = requests_for(world)
        with serve(url, options.workers) as port:
            warm, _ = run_load(host=HOST, port=port, clients=options.clients,
                               seconds=options.warmup, make_request=make)  # type: ignore[arg-type]
            tally, wall = run_load(host=HOST, port=port, clients=options.clients,
                                   seconds=options.seconds, make_request=make)  # type: ignore[arg-type]
        return report(engine_name, options, tally, wall=wall, warm=warm, stored=count_checks(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quarantines", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=10)
    options = parser.parse_args()
    good = [bench(name.strip(), options) for name in options.engines.split(",") if name.strip()]
    sys.exit(0 if all(good) else 1)


if __name__ == "__main__":
    main()
