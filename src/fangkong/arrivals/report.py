"""Arrivals' columns of the daily report: persons registered on arrival that day, and of them
those from high- or medium-risk areas (from the daily counters, by destination)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fangkong.arrivals.figures import arrival_figures
from fangkong.i18n import N_
from fangkong.reports.sections import Column, Figures, Section
from fangkong.settings import Settings


def report_figures(
    session: Session, _settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    return {code: {"total": row.get("total", 0),
                   "risky": row.get("risk.high", 0) + row.get("risk.medium", 0)}
            for code, row in arrival_figures(session, prefix, digits, day).items()}


SECTION = Section(
    key="arrivals",
    label=N_("Arrivals"),
    columns=(
        Column("total", N_("Arrivals registered"), headline=True),
        Column("risky", N_("From high- or medium-risk areas"), higher_is_worse=True),
    ),
    figures=report_figures,
    activity_metrics=("arrivals.total",),
)
