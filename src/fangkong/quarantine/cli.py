"""`fangkong quarantine sweep`: raise the missed-check alerts of the whole city (run it from
cron every few minutes, or with `--every` as a small loop of its own)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from fangkong.db import make_engine, transaction, utcnow
from fangkong.quarantine.alerts import do_raise_missed_check_alerts
from fangkong.settings import Settings

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.callback()
def quarantine() -> None:
    """Quarantine: the missed-check sweep."""


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def sweep_once(settings: Settings, scope: str = "") -> int:
    """One sweep in its own transaction; the number of alerts raised."""
    with unit_of_work(settings) as session:
        return do_raise_missed_check_alerts(session, now=utcnow(), scope=scope,
                                            zone=settings.zone)


@app.command()
def sweep(
    area: Annotated[str, typer.Option(help="only this area code and below")] = "",
    every: Annotated[int, typer.Option(help="repeat every N seconds (0: once)", min=0)] = 0,
) -> None:
    """Raise a `missed_check` alert for each check window that closed without a check
    (idempotent: a window is alerted once however often this runs)."""
    settings = Settings()
    while True:
        raised = sweep_once(settings, area)
        console.print(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC: {raised} missed-check alerts raised")
        if not every:
            return
        time.sleep(every)
