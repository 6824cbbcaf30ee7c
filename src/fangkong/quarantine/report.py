"""Quarantine's columns of the daily report: persons under quarantine by kind, new and
released, checks done and missing, open alerts; and life support (生活保障) as a section of
its own: requests of the day, open and overdue ones, deliveries.

The day's flows come from the daily counters (through `quarantine_figures`); the states (under
quarantine, open alerts and requests) are counted as they stood at the end of the day (or now,
for today), so a past day's report keeps its figures when later work is recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fangkong.counters import sum_daily
from fangkong.i18n import N_
from fangkong.quarantine.codes import QuarantineKind, SupportStatus
from fangkong.quarantine.figures import quarantine_figures
from fangkong.quarantine.models import Alert, Quarantine, SupportRequest
from fangkong.reports.daily_state import day_end
from fangkong.reports.sections import Column, Figures, Section
from fangkong.scope import in_scope
from fangkong.settings import Settings

FLOWS = ("released", "checks_done", "checks_missing")
NEW_KEYS = tuple(f"new_{kind.value}" for kind in QuarantineKind)
QUARANTINE_ACTIVITY = (*(f"quarantine.new.{kind.value}" for kind in QuarantineKind),
                       "quarantine.released", "quarantine.hospital", "quarantine.ended_early",
                       "checks.done")
SUPPORT_FLOWS = {"support.requested": "requested", "support.delivered": "delivered"}


def _add(found: Figures, code: str, key: str, value: Any) -> None:
    row = found.setdefault(code, {})
    row[key] = row.get(key, 0) + int(value or 0)


def _under(session: Session, found: Figures, prefix: str, digits: int, cut: datetime) -> None:
    """Quarantines under way at `cut`, by kind."""
    child = func.substr(Quarantine.area_code, 1, digits)
    stmt = (select(child, Quarantine.kind, func.count())
            .where(in_scope(Quarantine.area_code.expression, prefix),
                   Quarantine.ordered_at < cut,
                   or_(Quarantine.ended_at.is_(None), Quarantine.ended_at >= cut))
            .group_by(child, Quarantine.kind))
    for code, kind, count in session.execute(stmt):
        _add(found, code, f"under_{kind}", count)
        _add(found, code, "under_total", count)


def _alerts(session: Session, found: Figures, prefix: str, digits: int, cut: datetime) -> None:
    """Alerts raised before `cut` and not yet acknowledged or closed at `cut`."""
    child = func.substr(Alert.area_code, 1, digits)
    stmt = (select(child, func.count())
            .where(in_scope(Alert.area_code.expression, prefix), Alert.raised_at < cut,
                   or_(Alert.acknowledged_at.is_(None), Alert.acknowledged_at >= cut))
            .group_by(child))
    for code, count in session.execute(stmt):
        _add(found, code, "alerts_open", count)


def quarantine_report_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    cut = day_end(day, settings)
    found: Figures = {}
    for code, row in quarantine_figures(session, settings, prefix, digits, day,
                                        now=cut).items():
        _add(found, code, "new", sum(row.get(key, 0) for key in NEW_KEYS))
        for key in FLOWS:
            _add(found, code, key, row.get(key, 0))
    _under(session, found, prefix, digits, cut)
    _alerts(session, found, prefix, digits, cut)
    return found


def support_report_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    """Requests made and delivered that day; open and overdue ones at its end."""
    cut = day_end(day, settings)
    found: Figures = {}
    for (code, metric), value in sum_daily(session, prefix=prefix, digits=digits, first=day,
                                           last=day, metrics=list(SUPPORT_FLOWS)).items():
        _add(found, code, SUPPORT_FLOWS[metric], value)
    child = func.substr(SupportRequest.area_code, 1, digits)
    overdue = func.count().filter(SupportRequest.due_at < cut)
    stmt = (select(child, func.count(), overdue)
            .where(in_scope(SupportRequest.area_code.expression, prefix),
                   SupportRequest.requested_at < cut,
                   SupportRequest.status != SupportStatus.CANCELLED.value,
                   or_(SupportRequest.delivered_at.is_(None),
                       SupportRequest.delivered_at >= cut))
            .group_by(child))
    for code, count, late in session.execute(stmt):
        _add(found, code, "open", count)
        _add(found, code, "overdue", late)
    return found


SECTION = Section(
    key="quarantine",
    label=N_("Quarantine and health monitoring"),
    columns=(
        Column("under_total", N_("Under quarantine"), headline=True),
        Column("under_home", N_("Home quarantine")),
        Column("under_centralised", N_("Centralised quarantine")),
        Column("under_monitoring", N_("Health monitoring")),
        Column("new", N_("New that day")),
        Column("released", N_("Released that day")),
        Column("checks_done", N_("Health checks done")),
        Column("checks_missing", N_("Health checks missing"), higher_is_worse=True),
        Column("alerts_open", N_("Open alerts"), higher_is_worse=True),
    ),
    figures=quarantine_report_figures,
    activity_metrics=QUARANTINE_ACTIVITY,
)

SUPPORT_SECTION = Section(
    key="support",
    label=N_("Life support"),
    columns=(
        Column("requested", N_("Requests that day")),
        Column("delivered", N_("Delivered that day")),
        Column("open", N_("Requests open")),
        Column("overdue", N_("Requests overdue"), higher_is_worse=True),
    ),
    figures=support_report_figures,
    activity_metrics=tuple(SUPPORT_FLOWS),
)
