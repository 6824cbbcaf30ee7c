"""Figures of arrivals for any area and day: from the daily counters (every level is the sum
of its children) and, per checkpoint, from the arrivals table through its checkpoint index."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.queries import day_bounds
from fangkong.counters import sum_daily
from fangkong.scope import in_scope
from fangkong.settings import Settings

METRICS = (
    "arrivals.total", "arrivals.risk.high", "arrivals.risk.medium", "arrivals.risk.low",
    "arrivals.risk.none", "arrivals.staff", "arrivals.self", "bookings.expected",
    "bookings.arrived",
)


def figure_name(metric: str) -> str:
    """`arrivals.risk.high` → `risk.high`, `arrivals.total` → `total`; bookings keep theirs."""
    return metric.removeprefix("arrivals.")


def arrival_figures(
    session: Session, prefix: str, digits: int, day: date
) -> dict[str, dict[str, int]]:
    """{child code: {figure: value}} for the areas under `prefix` cut at `digits` of the code,
    on one local day: `total`, `risk.high|medium|low|none`, `staff`, `self`,
    `bookings.expected`, `bookings.arrived`. Missing figures are zero, not absent."""
    metrics = list(METRICS)
    totals = sum_daily(session, prefix=prefix, digits=digits, first=day, last=day,
                       metrics=metrics)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
        (figure_name(metric) for metric in metrics), 0))
    for (code, metric), value in totals.items():
        figures[code][figure_name(metric)] = value
    return dict(figures)


def checkpoint_figures(
    session: Session, *, prefix: str, day: date, settings: Settings
) -> dict[int, dict[str, int]]:
    """{checkpoint id: {risk level: arrivals, 'total': n}} for the checkpoints located under
    `prefix`, arrivals of the local day counted wherever they went."""
    start, end = day_bounds(day, settings)
    stmt = (select(Arrival.checkpoint_id, Arrival.origin_risk, func.count())
            .join(Checkpoint, Checkpoint.id == Arrival.checkpoint_id)
            .where(in_scope(Checkpoint.area_code.expression, prefix),
                   Arrival.arrived_at >= start, Arrival.arrived_at < end)
            .group_by(Arrival.checkpoint_id, Arrival.origin_risk))
    figures: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0})
    for checkpoint_id, risk, count in session.execute(stmt):
        row = figures[int(checkpoint_id or 0)]
        row[str(risk)] = int(count)
        row["total"] += int(count)
    return dict(figures)
