"""Quarantine figures for the child areas of any area on a local day; every level is the sum of
its children (each figure is a count over rows grouped by a prefix of their area code).

- `under_<kind>`: active quarantines now, by kind (current state);
- `new_<kind>`, `released`, `hospital`, `ended_early`, `checks_done`, `support_requested`,
  `support_delivered`: the day's counters;
- `checks_expected`, `checks_missing`: windows of the day closed so far (by now, or the whole
  day for a past day) during a quarantine, and those of them without a check;
- `alerts_open`, `support_open`, `support_overdue`: current state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from fangkong.counters import sum_daily
from fangkong.db import utcnow
from fangkong.quarantine.codes import (
    OPEN_SUPPORT,
    AlertStatus,
    QuarantineKind,
    QuarantineStatus,
)
from fangkong.quarantine.models import Alert, HealthCheck, Quarantine, SupportRequest
from fangkong.quarantine.windows import CheckPolicy, Window
from fangkong.scope import in_scope
from fangkong.settings import Settings

Figures = dict[str, dict[str, int]]

COUNTER_KEYS: dict[str, str] = {
    **{f"quarantine.new.{kind.value}": f"new_{kind.value}" for kind in QuarantineKind},
    "quarantine.released": "released",
    "quarantine.hospital": "hospital",
    "quarantine.ended_early": "ended_early",
    "checks.done": "checks_done",
    "support.requested": "support_requested",
    "support.delivered": "support_delivered",
}
KEYS: tuple[str, ...] = (
    *(f"under_{kind.value}" for kind in QuarantineKind), "under_total",
    *COUNTER_KEYS.values(), "checks_expected", "checks_missing", "alerts_open",
    "support_open", "support_overdue",
)


def _add(figures: Figures, code: str, key: str, value: Any) -> None:
    row = figures.setdefault(code, dict.fromkeys(KEYS, 0))
    row[key] += int(value or 0)


def quarantine_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date,
    *, now: datetime | None = None,
) -> Figures:
    """{child code: {figure: value}} for the areas under `prefix`, codes cut at `digits`."""
    moment = now or utcnow()
    figures: Figures = {}
    _under(session, figures, prefix, digits)
    for (code, metric), value in sum_daily(session, prefix=prefix, digits=digits, first=day,
                                           last=day, metrics=list(COUNTER_KEYS)).items():
        _add(figures, code, COUNTER_KEYS[metric], value)
    covered: dict[str, int] = {}
    for window in CheckPolicy.load(session).closed_by(day, moment, settings.zone):
        _window_checks(session, figures, covered, prefix=prefix, digits=digits, day=day,
                       window=window, closes=window.closes_at(day, settings.zone))
    _current(session, figures, prefix, digits, moment)
    for code, row in figures.items():
        row["under_total"] = sum(row[f"under_{kind.value}"] for kind in QuarantineKind)
        row["checks_missing"] = row["checks_expected"] - covered.get(code, 0)
    return figures


def _child(column: Any, digits: int) -> Any:
    return func.substr(column, 1, digits)


def _under(session: Session, figures: Figures, prefix: str, digits: int) -> None:
    child = _child(Quarantine.area_code, digits)
    stmt = (select(child, Quarantine.kind, func.count())
            .where(in_scope(Quarantine.area_code.expression, prefix),
                   Quarantine.status == QuarantineStatus.ACTIVE.value)
            .group_by(child, Quarantine.kind))
    for code, kind, count in session.execute(stmt):
        _add(figures, code, f"under_{kind}", count)


def _had_window(day: date, closes: datetime) -> Any:
    """A quarantine that was under way when the window closed."""
    return and_(Quarantine.starts_on <= day, Quarantine.planned_end >= day,
                Quarantine.ordered_at < closes,
                or_(Quarantine.ended_at.is_(None), Quarantine.ended_at >= closes))


def _window_checks(session: Session, figures: Figures, covered: dict[str, int], *, prefix: str,
                   digits: int, day: date, window: Window, closes: datetime) -> None:
    """Expected checks of one closed window, and how many of them were done (a quarantine
    counts once however many checks it had in the window)."""
    child = _child(Quarantine.area_code, digits)
    had = _had_window(day, closes)
    mine = in_scope(Quarantine.area_code.expression, prefix)
    expected = select(child, func.count()).where(mine, had).group_by(child)
    for code, count in session.execute(expected):
        _add(figures, code, "checks_expected", count)
    done = (select(child, func.count(func.distinct(Quarantine.id)))
            .join(HealthCheck, HealthCheck.quarantine_id == Quarantine.id)
            .where(mine, had, HealthCheck.day == day, HealthCheck.window == window.index)
            .group_by(child))
    for code, count in session.execute(done):
        covered[code] = covered.get(code, 0) + int(count)


def _current(session: Session, figures: Figures, prefix: str, digits: int,
             moment: datetime) -> None:
    child = _child(Alert.area_code, digits)
    alerts = (select(child, func.count()).where(in_scope(Alert.area_code.expression, prefix),
                                               Alert.status == AlertStatus.OPEN.value)
              .group_by(child))
    for code, count in session.execute(alerts):
        _add(figures, code, "alerts_open", count)
    child = _child(SupportRequest.area_code, digits)
    late = func.sum(case((SupportRequest.due_at < moment, 1), else_=0))
    support = (select(child, func.count(), late)
               .where(in_scope(SupportRequest.area_code.expression, prefix),
                      SupportRequest.status.in_(OPEN_SUPPORT)).group_by(child))
    for code, count, overdue in session.execute(support):
        _add(figures, code, "support_open", count)
        _add(figures, code, "support_overdue", overdue)
