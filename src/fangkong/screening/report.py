"""Screening's columns of the daily report: the coverage of the round under way that day.

The round is the widest one over the reported area whose dates include the day (the same round
at every level, so the levels add up). Households reached by the end of the day and the visits
of the day come from the round's daily coverage rows; the households from the registry.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.i18n import N_
from fangkong.registry.report import registry_figures
from fangkong.reports.sections import Column, Figures, Section
from fangkong.scope import in_scope
from fangkong.screening.models import CoverageDaily, ScreeningRound
from fangkong.settings import Settings


def round_of(session: Session, prefix: str, day: date) -> ScreeningRound | None:
    """The widest round over the area `prefix` (or an area containing it) that runs on `day`,
    the latest started first."""
    covering = [prefix[:length] for length in range(2, len(prefix) + 1)]
    stmt = (select(ScreeningRound)
            .where(ScreeningRound.area_code.in_(covering), ScreeningRound.starts_on <= day,
                   ScreeningRound.ends_on >= day)
            .order_by(func.length(ScreeningRound.area_code), ScreeningRound.starts_on.desc(),
                      ScreeningRound.id.desc()))
    return session.scalars(stmt.limit(1)).first()


def _progress(session: Session, round_id: int, prefix: str, digits: int,
              day: date) -> Figures:
    child = func.substr(CoverageDaily.area_code, 1, digits)
    reached = func.sum(CoverageDaily.reached)
    today = func.sum(CoverageDaily.visits).filter(CoverageDaily.day == day)
    stmt = (select(child, reached, today)
            .where(CoverageDaily.round_id == round_id, CoverageDaily.day <= day,
                   in_scope(CoverageDaily.area_code.expression, prefix))
            .group_by(child))
    return {code: {"reached": int(done or 0), "visits": int(visits or 0)}
            for code, done, visits in session.execute(stmt)}


def screening_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    """Households, households reached so far and visits of the day, per child area."""
    households = registry_figures(session, settings, prefix, digits, day)
    found: Figures = {code: {"households": row.get("households", 0)}
                      for code, row in households.items()}
    round_ = round_of(session, prefix, day)
    if round_ is not None:
        for code, row in _progress(session, round_.id, prefix, digits, day).items():
            found.setdefault(code, {}).update(row)
    return found


SECTION = Section(
    key="screening",
    label=N_("Door-to-door screening"),
    columns=(
        Column("households", N_("Households to screen")),
        Column("reached", N_("Households screened")),
        Column("coverage", N_("Coverage"), kind="percent", numerator="reached",
               denominator="households", headline=True),
        Column("visits", N_("Visits that day")),
    ),
    figures=screening_figures,
    activity_metrics=("screening.visits",),
)
