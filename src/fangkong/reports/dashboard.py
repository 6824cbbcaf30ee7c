"""The commander's dashboard (指挥大屏) of an area: headline numbers with their change since
yesterday, the children's figures for the map, the laggards with their leaders, open alerts,
and trends by day. Everything is read from maintained counters (the daily report's sections,
`daily_counters`, the screening round's daily coverage), never by scanning persons."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.areas.queries import leaders_by_area
from fangkong.counters import DailyCounter
from fangkong.i18n import N_, Translator
from fangkong.quarantine.codes import ALERT_KIND_LABELS
from fangkong.quarantine.models import Alert
from fangkong.registry.report import registry_figures
from fangkong.reports.daily import ReportRow, build_report, responsible
from fangkong.reports.dashboard_schemas import (
    AlertItem,
    ChildFigures,
    DashboardRead,
    FigureRead,
    HeadlineRead,
    LaggardRead,
    LeaderItem,
    TrendSeries,
    TrendsRead,
)
from fangkong.scope import in_scope
from fangkong.screening.models import CoverageDaily
from fangkong.screening.report import round_of
from fangkong.settings import Settings

COVERAGE = "screening.coverage"
LAGGARDS = 5
ALERTS = 10
TREND_METRICS = {
    "arrivals": ("arrivals.total",),
    "quarantines": ("quarantine.new.",),
    "positives": ("samples.result.positive",),
}
"""Series → daily-counter metrics (a name ending in a dot takes every metric under it)."""


def build_dashboard(session: Session, settings: Settings, tr: Translator, *, area: Area,
                    day: date, with_leaders: bool) -> DashboardRead:
    """The dashboard of an (already authorised) area on the local day."""
    report = build_report(session, settings, area=area, day=day, with_leaders=False)
    figures = [FigureRead(key=item.key, label=tr.gettext(item.column.label),
                          kind=item.column.kind, higher_is_worse=item.column.higher_is_worse)
               for item in report.columns]
    worse = [item.key for item in figures if item.higher_is_worse]
    children = [row for row in report.rows if not row.own]
    headline = [HeadlineRead(key=item.key, label=item.label, kind=item.kind,
                             value=report.total.values.get(item.key),
                             delta=report.total.deltas.get(item.key),
                             higher_is_worse=item.higher_is_worse)
                for item, column in zip(figures, report.columns, strict=True)
                if column.column.headline]
    return DashboardRead(
        area_code=area.code, area_name=area.name, area_level=area.level, day=day,
        generated_at=report.generated_at, headline=headline, figures=figures,
        children=[ChildFigures(code=row.code, name=row.name, values=row.values)
                  for row in children],
        laggards=laggards(session, children, worse, with_leaders=with_leaders),
        alerts=open_alerts(session, tr, area=area))


def _overdue(row: ReportRow, worse: list[str]) -> int:
    return sum(int(row.values.get(key) or 0) for key in worse)


def laggards(session: Session, rows: list[ReportRow], worse: list[str], *,
             with_leaders: bool) -> list[LaggardRead]:
    """The children with the lowest coverage, then the most items needing attention."""
    def key(row: ReportRow) -> tuple[float, int]:
        coverage = row.values.get(COVERAGE)
        return (101.0 if coverage is None else float(coverage), -_overdue(row, worse))

    chosen = sorted(rows, key=key)[:LAGGARDS]
    leaders = leaders_by_area(session, [row.code for row in chosen]) if with_leaders else {}
    return [LaggardRead(
        code=row.code, name=row.name, coverage=row.values.get(COVERAGE),
        overdue=_overdue(row, worse),
        leaders=[LeaderItem(name=item.name, title=item.title, phone=item.phone)
                 for item in responsible(leaders.get(row.code, []))])
        for row in chosen]


def open_alerts(session: Session, tr: Translator, *, area: Area) -> list[AlertItem]:
    """The latest open alerts under the area (no personal data: kind, place and time)."""
    stmt = (select(Alert.id, Alert.kind, Alert.area_code, Alert.raised_at, Area.name)
            .outerjoin(Area, Area.code == Alert.area_code)
            .where(in_scope(Alert.area_code, area.code), Alert.status == "open")
            .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(ALERTS))
    return [AlertItem(id=alert_id, kind=kind,
                      kind_label=tr.gettext(ALERT_KIND_LABELS.get(kind, kind)),
                      area_code=code, area_name=name or code, raised_at=raised)
            for alert_id, kind, code, raised, name in session.execute(stmt)]


def count_open_alerts(session: Session, *, area: Area) -> int:
    stmt = select(func.count()).select_from(Alert).where(
        in_scope(Alert.area_code, area.code), Alert.status == "open")
    return int(session.scalar(stmt) or 0)


# --- trends ----------------------------------------------------------------------------------


def _metric_filter(metrics: tuple[str, ...]) -> list[object]:
    return [DailyCounter.metric.startswith(name) if name.endswith(".")
            else DailyCounter.metric == name for name in metrics]


def _series(session: Session, area: Area, metrics: tuple[str, ...], days: list[date]
            ) -> list[int]:
    stmt = (select(DailyCounter.day, func.sum(DailyCounter.value))
            .where(in_scope(DailyCounter.area_code, area.code),
                   DailyCounter.day >= days[0], DailyCounter.day <= days[-1],
                   or_(*_metric_filter(metrics)))  # type: ignore[arg-type]
            .group_by(DailyCounter.day))
    found = {day: int(total or 0) for day, total in session.execute(stmt)}
    return [found.get(day, 0) for day in days]


def _coverage(session: Session, settings: Settings, area: Area, days: list[date]
              ) -> list[float | None]:
    """The screening round's coverage (%) at the end of each day."""
    round_ = round_of(session, area.code, days[-1])
    if round_ is None:
        return [None for _day in days]
    households = sum(row.get("households", 0) for row in registry_figures(
        session, settings, area.code, len(area.code), days[-1]).values())
    stmt = (select(CoverageDaily.day, func.sum(CoverageDaily.reached))
            .where(CoverageDaily.round_id == round_.id, CoverageDaily.day <= days[-1],
                   in_scope(CoverageDaily.area_code, area.code))
            .group_by(CoverageDaily.day))
    reached = dict(session.execute(stmt).tuples().all())
    before = sum(int(value or 0) for day, value in reached.items() if day < days[0])
    values: list[float | None] = []
    for day in days:
        before += int(reached.get(day) or 0)
        values.append(round(100.0 * before / households, 1) if households else None)
    return values


TREND_LABELS = {
    "arrivals": N_("Arrivals registered"),
    "quarantines": N_("New quarantines"),
    "positives": N_("Positive results"),
    "coverage": N_("Screening coverage (%)"),
}


def build_trends(session: Session, settings: Settings, tr: Translator, *, area: Area,
                 last: date, days: int) -> TrendsRead:
    """Daily arrivals, new quarantines, positives and coverage over the last `days` days."""
    span = [last - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    series = [TrendSeries(key=key, label=tr.gettext(TREND_LABELS[key], "reports"),
                          values=list(_series(session, area, metrics, span)))
              for key, metrics in TREND_METRICS.items()]
    coverage = TREND_LABELS["coverage"]
    series.append(TrendSeries(key="coverage", label=tr.gettext(coverage, "reports"),
                              values=_coverage(session, settings, area, span)))
    return TrendsRead(area_code=area.code, days=span, series=series)
