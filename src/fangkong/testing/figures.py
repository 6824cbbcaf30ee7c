"""Testing figures for the child areas of any area on a local day; every level is the sum of
its children (each figure is a count over rows grouped by a prefix of their area code).

- `samples_taken`: tubes collected that day (`samples.taken`);
- `results_negative`, `results_positive`, `results_invalid`: results reported that day
  (`samples.result.*`, one per history entry);
- `positives_new`: persons put on the positive list by a result of that day (`positives.new`);
- `pending`: tubes without a result now; `positives_open`: positives not yet handled now;
  `retests_required`: persons of positive pooled tubes still to retest now (current state).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.counters import sum_daily
from fangkong.scope import in_scope
from fangkong.settings import Settings
from fangkong.testing.codes import PositiveStatus, Result, Retest
from fangkong.testing.models import Positive, Sample, SampleMember

Figures = dict[str, dict[str, int]]

COUNTER_KEYS: dict[str, str] = {
    "samples.taken": "samples_taken",
    "samples.result.negative": "results_negative",
    "samples.result.positive": "results_positive",
    "samples.result.invalid": "results_invalid",
    "positives.new": "positives_new",
}
KEYS: tuple[str, ...] = (*COUNTER_KEYS.values(), "pending", "positives_open",
                         "retests_required")


def _add(figures: Figures, code: str, key: str, value: Any) -> None:
    row = figures.setdefault(code, dict.fromkeys(KEYS, 0))
    row[key] += int(value or 0)


def testing_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date,
) -> Figures:
    """{child code: {figure: value}} for the areas under `prefix`, codes cut at `digits`."""
    del settings  # the day is already local; kept for the reports' common signature
    figures: Figures = {}
    for (code, metric), value in sum_daily(session, prefix=prefix, digits=digits, first=day,
                                           last=day, metrics=list(COUNTER_KEYS)).items():
        _add(figures, code, COUNTER_KEYS[metric], value)
    current = (
        ("pending", Sample.area_code, Sample.result == Result.PENDING.value),
        ("positives_open", Positive.area_code, Positive.status == PositiveStatus.OPEN.value),
        ("retests_required", SampleMember.area_code,
         SampleMember.retest == Retest.REQUIRED.value),
    )
    for key, area, condition in current:
        child = func.substr(area, 1, digits)
        stmt = (select(child, func.count()).where(in_scope(area.expression, prefix), condition)
                .group_by(child))
        for code, count in session.execute(stmt):
            _add(figures, code, key, count)
    return figures
