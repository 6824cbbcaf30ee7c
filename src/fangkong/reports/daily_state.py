"""Figures of a state (how many are under quarantine, registered, open) as they stood at the end
of a past day, so that yesterday's report does not change when today's work is recorded.

A section whose module keeps the state's net changes per day in the daily counters gives
`current − changes recorded after the day`; the daily report compares such values day by day,
and a submitted report differs from the live one only when a figure of its day was corrected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from fangkong.counters import sum_daily
from fangkong.db import utcnow
from fangkong.reports.sections import Figures
from fangkong.settings import Settings

LAST_DAY = date(9999, 12, 31)


def day_end(day: date, settings: Settings, *, now: datetime | None = None) -> datetime:
    """The UTC moment a local day's state is read at: its end (next local midnight), or now
    while the day is not over yet."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.zone)
    return min(end.astimezone(UTC), now or utcnow())


def later_changes(
    session: Session, *, prefix: str, digits: int, day: date, metrics: Mapping[str, str],
) -> Figures:
    """{child code: {figure: net change}} recorded after `day` in the given daily-counter
    metrics (`metrics` maps each metric to the figure it changes)."""
    found: Figures = {}
    totals = sum_daily(session, prefix=prefix, digits=digits, first=day + timedelta(days=1),
                       last=LAST_DAY, metrics=list(metrics))
    for (code, metric), value in totals.items():
        row = found.setdefault(code, {})
        row[metrics[metric]] = row.get(metrics[metric], 0) + value
    return found


def as_of(current: Figures, later: Figures) -> Figures:
    """The current figures with the later changes taken back."""
    result: Figures = {code: dict(row) for code, row in current.items()}
    for code, changes in later.items():
        row = result.setdefault(code, {})
        for key, value in changes.items():
            row[key] = row.get(key, 0) - value
    return result

