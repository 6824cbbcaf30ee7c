"""The registry's columns of the daily report: households and persons registered.

The counts come from the grid counters (the registry's current state). A past day's figures
take back the net changes recorded after it in the daily counters `registry.households` and
`registry.persons`, where the registry records them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import AreaLevel
from fangkong.i18n import N_
from fangkong.registry.queries import registry_totals
from fangkong.reports.daily_state import as_of, later_changes
from fangkong.reports.sections import Column, Figures, Section
from fangkong.settings import Settings

NET_CHANGES = {"registry.households": "households", "registry.persons": "persons"}


def current_figures(session: Session, prefix: str, digits: int) -> Figures:
    """Households and persons now, per child of `prefix` cut at `digits` of the code."""
    level = session.scalar(select(AreaLevel.key).where(AreaLevel.code_length == digits))
    if level is None:
        return {}
    totals = registry_totals(session, prefix, level)
    return {row.area_code: {"households": row.households, "persons": row.persons}
            for row in totals.rows}


def registry_figures(
    session: Session, _settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    """Households and persons registered at the end of `day`."""
    later = later_changes(session, prefix=prefix, digits=digits, day=day, metrics=NET_CHANGES)
    return as_of(current_figures(session, prefix, digits), later)


SECTION = Section(
    key="registry",
    label=N_("Population registered"),
    columns=(
        Column("households", N_("Households")),
        Column("persons", N_("Persons"), headline=True),
    ),
    figures=registry_figures,
)
