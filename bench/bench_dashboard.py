"""How fast the commander's dashboard gets its data for the whole city.

Usage: python bench/bench_dashboard.py [PERSONS,...] [REPETITIONS]   (default 20000,1000000 50)

Builds once, and reuses afterwards, the demo city with PERSONS generated residents
(`registry.demo.do_load_demo_population`), a screening round in progress
(`screening.demo.do_build_demo_round`) and the generated outlines, in
`var/bench/dashboard-<N>.db` (SQLite). Then, signed in as the city commander through the HTTP
stack of the app, times many times over:

  dashboard   GET /api/v1/dashboard               headline, children, laggards, alerts
  trends      GET /api/v1/dashboard/trends?days=30
  shapes      GET /api/v1/shapes                  the districts' outlines

and prints the median and the 95th percentile in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from fangkong.app import create_app
from fangkong.areas.demo import DemoSize
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import DEMO_PASSWORD, do_build_demo
from fangkong.migrations import upgrade
from fangkong.registry.demo import do_load_demo_population
from fangkong.reports.shapes import do_generate_demo_shapes
from fangkong.screening.demo import do_build_demo_round
from fangkong.settings import Settings

SEED = 2020
FOLDER = Path(__file__).resolve().parent.parent / "var" / "bench"
PATHS = {
    "dashboard": "/api/v1/dashboard",
    "trends": "/api/v1/dashboard/trends?days=30",
    "shapes": "/api/v1/shapes",
}


def prepare(persons: int) -> Settings:
    """The benchmark's database, built when missing."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"dashboard-{persons}.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    if path.exists():
        return settings
    started = time.perf_counter()
    engine = make_engine(settings)
    upgrade(engine)
    with transaction(make_session_factory(engine, write=True)) as session:
        do_build_demo(session, size=DemoSize(), seed=SEED)
        do_load_demo_population(session, persons=persons, seed=SEED)
        do_build_demo_round(session, seed=SEED)
        do_generate_demo_shapes(session, "2201")
    engine.dispose()
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return settings


def signed_in(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "city", "password": DEMO_PASSWORD,
                                         "csrf_token": client.cookies.get("fk_csrf", "")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text  # noqa: S101 - a benchmark's precondition


def measure(persons: int, repetitions: int) -> None:
    settings = prepare(persons)
    with TestClient(create_app(settings), base_url="http://bench") as client:
        signed_in(client)
        for name, path in PATHS.items():
            assert client.get(path).status_code == 200  # noqa: S101 - warm up, and check
            times = []
            for _ in range(repetitions):
                started = time.perf_counter()
                client.get(path)
                times.append(1000 * (time.perf_counter() - started))
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{persons:>9,} persons  {name:<10} median {statistics.median(times):7.1f} ms"
                  f"   p95 {p95:7.1f} ms", flush=True)


def main() -> None:
    sizes = [int(size) for size in (sys.argv[1] if len(sys.argv) > 1 else
                                    "20000,1000000").split(",")]
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    for persons in sizes:
        measure(persons, repetitions)


if __name__ == "__main__":
    main()
