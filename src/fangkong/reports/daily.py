"""The daily report (日报) of an area on a local day: one row per child area and the total row,
with every module's section of columns, each figure's change since the previous day, and the
communities that recorded nothing that day with their responsible leaders.

Figures come from the sections (`reports/section_list.py`), which read maintained counters. The
total row is the sum of the rows (figures recorded at the area itself, not in a child, make a
row of their own), and percentages are computed after summing, so every level adds up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel, Leader
from fangkong.areas.queries import leaders_by_area
from fangkong.counters import sum_daily
from fangkong.db import utcnow
from fangkong.reports.sections import Column, Section, load_sections
from fangkong.scope import in_scope
from fangkong.settings import Settings

Value = int | float | None
Counts = dict[str, dict[str, int]]
"""{section key: {figure: value}} of one row."""
REPORTING_LEVEL = "community"
"""The level whose areas are expected to record something every day (late/missing)."""
MISSING_LIMIT = 500
RESPONSIBLE = "responsible"


@dataclass(frozen=True, slots=True)
class ReportColumn:
    """One column of the report: `key` is "<section>.<column>"."""

    key: str
    section: Section
    column: Column


@dataclass(slots=True)
class ReportRow:
    code: str
    name: str
    level: str
    values: dict[str, Value]
    deltas: dict[str, Value]
    own: bool = False
    """Figures recorded at the reported area itself rather than in one of its children."""
    recorded: bool = True
    """Something was recorded under this area that day."""
    missing: int = 0
    """Communities under this area that recorded nothing that day (for an area below the
    communities: 1 when it recorded nothing)."""
    leaders: list[Leader] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MissingArea:
    code: str
    name: str
    leaders: list[Leader]


@dataclass(slots=True)
class Report:
    area: Area
    day: date
    sections: list[Section]
    columns: list[ReportColumn]
    rows: list[ReportRow]
    total: ReportRow
    missing: list[MissingArea]
    missing_total: int
    generated_at: datetime


def report_columns(sections: list[Section]) -> list[ReportColumn]:
    return [ReportColumn(f"{section.key}.{column.key}", section, column)
            for section in sections for column in section.columns]


def _kept_keys(section: Section) -> set[str]:
    """The figures a section's rows sum: its count columns and the parts of its percentages."""
    keys: set[str] = set()
    for column in section.columns:
        keys.update((column.numerator, column.denominator) if column.kind == "percent"
                    else (column.key,))
    return keys


def _counts(session: Session, settings: Settings, sections: list[Section], *, area: Area,
            children: set[str], digits: int, day: date) -> dict[str, Counts]:
    """{row code: counts}; codes that are not a child's go to the area's own row."""
    found: dict[str, Counts] = defaultdict(lambda: defaultdict(dict))
    for section in sections:
        keys = _kept_keys(section)
        for code, figures in section.figures(session, settings, area.code, digits, day).items():
            row = found[code if code in children else area.code][section.key]
            for key in keys:
                row[key] = row.get(key, 0) + int(figures.get(key, 0))
    return found


def _values(sections: list[Section], counts: Counts) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for section in sections:
        figures = counts.get(section.key, {})
        for column in section.columns:
            key = f"{section.key}.{column.key}"
            values[key] = (section.percent(figures, column) if column.kind == "percent"
                           else figures.get(column.key, 0))
    return values


def _delta(now: Value, before: Value) -> Value:
    if now is None or before is None:
        return None
    if isinstance(now, float) or isinstance(before, float):
        return round(now - before, 1)
    return now - before


def _summed(rows: list[Counts]) -> Counts:
    total: Counts = defaultdict(dict)
    for counts in rows:
        for section, figures in counts.items():
            for key, value in figures.items():
                total[section][key] = total[section].get(key, 0) + value
    return total


def _row(sections: list[Section], area: Area, now: Counts, before: Counts, *,
         own: bool = False) -> ReportRow:
    values = _values(sections, now)
    earlier = _values(sections, before)
    return ReportRow(code=area.code, name=area.name, level=area.level, values=values,
                     deltas={key: _delta(value, earlier[key]) for key, value in values.items()},
                     own=own)


def list_report_children(session: Session, area: Area) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.parent_code == area.code)
                                .order_by(Area.code)))


def build_report(session: Session, settings: Settings, *, area: Area, day: date,
                 with_leaders: bool = True) -> Report:
    """The report of `area` (already authorised) on the local `day`."""
    sections = load_sections()
    children = list_report_children(session, area)
    codes = {child.code for child in children}
    digits = len(children[0].code) if children else len(area.code)
    now = _counts(session, settings, sections, area=area, children=codes, digits=digits,
                  day=day)
    before = _counts(session, settings, sections, area=area, children=codes, digits=digits,
                     day=day - timedelta(days=1))
    rows = [_row(sections, child, now[child.code], before[child.code]) for child in children]
    if children and (area.code in now or area.code in before):
        rows.append(_row(sections, area, now[area.code], before[area.code], own=True))
    total = _row(sections, area, _summed([now[row.code] for row in rows] or [now[area.code]]),
                 _summed([before[row.code] for row in rows] or [before[area.code]]))
    report = Report(area=area, day=day, sections=sections, columns=report_columns(sections),
                    rows=rows, total=total, missing=[], missing_total=0,
                    generated_at=utcnow())
    _mark_missing(session, report, digits=digits, with_leaders=with_leaders)
    return report


# --- late and missing ------------------------------------------------------------------------


def _activity(session: Session, report: Report, digits: int) -> set[str] | None:
    """Codes (cut at `digits`) with a daily-counter row of an activity metric that day; None
    when no section names activity metrics."""
    metrics = sorted({metric for section in report.sections
                      for metric in section.activity_metrics})
    if not metrics:
        return None
    found = sum_daily(session, prefix=report.area.code, digits=digits, first=report.day,
                      last=report.day, metrics=metrics)
    return {code for code, _metric in found}


def reporting_length(session: Session) -> int | None:
    stmt = select(AreaLevel.code_length).where(AreaLevel.key == REPORTING_LEVEL)
    return session.scalar(stmt)


def _units(session: Session, area: Area, length: int) -> list[Area]:
    """The areas expected to record something: the communities under the area (or the area
    itself when it lies below that level)."""
    if len(area.code) >= length:
        return [area]
    stmt = (select(Area).where(in_scope(Area.code.expression, area.code),
                               Area.level == REPORTING_LEVEL).order_by(Area.code))
    return list(session.scalars(stmt))


def _mark_missing(session: Session, report: Report, *, digits: int, with_leaders: bool) -> None:
    length = reporting_length(session) or digits
    active_rows = _activity(session, report, digits)
    if active_rows is None:
        return
    for row in report.rows:
        row.recorded = row.own or row.code in active_rows
    active = _activity(session, report, max(length, len(report.area.code))) or set()
    quiet = [unit for unit in _units(session, report.area, length) if unit.code not in active]
    for row in report.rows:
        row.missing = (int(not row.recorded) if len(row.code) > length
                       else sum(1 for unit in quiet if unit.code.startswith(row.code)))
    report.total.missing = len(quiet)
    report.total.recorded = len(quiet) == 0
    report.missing_total = len(quiet)
    shown = quiet[:MISSING_LIMIT]
    flagged = [row for row in report.rows if not row.recorded or row.missing]
    leaders = leaders_by_area(session, [unit.code for unit in shown]
                              + [row.code for row in flagged]) if with_leaders else {}
    report.missing = [MissingArea(unit.code, unit.name, responsible(leaders.get(unit.code, [])))
                      for unit in shown]
    for row in flagged:
        row.leaders = responsible(leaders.get(row.code, []))


def responsible(leaders: list[Leader]) -> list[Leader]:
    """The leaders answerable for an area (包保): the responsible ones, else all of them."""
    chosen = [leader for leader in leaders if leader.duty == RESPONSIBLE]
    return chosen or leaders
