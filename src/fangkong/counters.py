"""Daily counters per grid and local day, maintained by every module's actions.

A field action bumps a metric for its area and local day (`bump_daily`); the daily report and
the dashboard read any level by summing rows on a code prefix, so no request scans the large
tables. Metric names are `module.metric[.detail]`, for example `arrivals.total`,
`arrivals.risk.high`, `quarantine.new.home`, `checks.done`, `samples.result.positive`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fangkong.db import Base, bump
from fangkong.settings import Settings


class DailyCounter(Base):
    __tablename__ = "daily_counters"

    area_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def local_day(moment: datetime, settings: Settings) -> date:
    """The epidemiological day of a moment: cut at local midnight (Asia/Shanghai by default)."""
    return moment.astimezone(settings.zone).date()


def bump_daily(session: Session, *, area_code: str, day: date, metric: str, by: int = 1) -> None:
    bump(session, DailyCounter, keys={"area_code": area_code, "day": day, "metric": metric},
         increments={"value": by})


def sum_daily(
    session: Session, *, prefix: str, digits: int, first: date, last: date,
    metrics: list[str] | None = None,
) -> dict[tuple[str, str], int]:
    """{(child code, metric): total} for the areas under `prefix`, cut at `digits` of the code."""
    child = func.substr(DailyCounter.area_code, 1, digits)
    stmt = (
        select(child, DailyCounter.metric, func.sum(DailyCounter.value))
        .where(DailyCounter.area_code.like(prefix + "%"))
        .where(DailyCounter.day >= first, DailyCounter.day <= last)
        .group_by(child, DailyCounter.metric)
    )
    if metrics is not None:
        stmt = stmt.where(DailyCounter.metric.in_(metrics))
    return {(code, metric): int(total) for code, metric, total in session.execute(stmt)}
