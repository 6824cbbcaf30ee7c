"""The daily report is assembled from sections, one per module, each a set of columns.

A module adds its figures to every report, export, dashboard and bulletin by providing a
`Section` in its own `report.py` and naming it once in `SECTIONS` below; no other module
changes. A section answers for the child areas of one area (code prefix, cut at the children's
code length) on one local day, from maintained counters: never a scan of persons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from fangkong.settings import Settings

Figures = dict[str, dict[str, int]]
"""{child area code: {column key: value}}; missing keys count as 0."""


@dataclass(frozen=True, slots=True)
class Column:
    """One figure. A `percent` column is computed as numerator / denominator after summing,
    so the total row of a report is always consistent with its rows."""

    key: str
    label: str
    kind: Literal["count", "percent"] = "count"
    numerator: str = ""
    denominator: str = ""
    headline: bool = False
    """Shown among the dashboard's headline numbers."""
    higher_is_worse: bool = False
    """For laggard lists and map colours: a large value needs attention."""


@dataclass(frozen=True, slots=True)
class Section:
    """A module's block of columns in the daily report (the first header row of the export)."""

    key: str
    label: str
    columns: tuple[Column, ...]
    figures: Callable[[Session, Settings, str, int, date], Figures]
    """figures(session, settings, prefix, digits, day) for the children of `prefix`."""
    activity_metrics: tuple[str, ...] = field(default=())
    """Daily-counter metrics that show an area recorded something that day (late/missing)."""

    def percent(self, row: Mapping[str, int | float], column: Column) -> float | None:
        denominator = row.get(column.denominator, 0)
        if not denominator:
            return None
        return round(100.0 * row.get(column.numerator, 0) / denominator, 1)


SECTIONS: list[Section] = []
"""Every module's section in report order. Modules append theirs in `load_sections()`."""


def load_sections() -> list[Section]:
    """The sections of the modules present, in report order (imported lazily to avoid cycles)."""
    if SECTIONS:
        return SECTIONS
    from fangkong.reports import section_list  # noqa: PLC0415 - the one list of modules

    SECTIONS.extend(section_list.sections())
    return SECTIONS
