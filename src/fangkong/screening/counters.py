"""The maintained coverage of a round: each household's current outcome and the counters.

`do_count_visit` moves one household's outcome and adjusts the counters by the difference
(atomic `bump`s), so coverage is always a sum over counter rows. `do_rebuild_coverage`
recomputes the counters of a round from the households' outcomes and the visits in SQL: the
end of a bulk load, and a repair tool; a test proves both give the same rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fangkong.counters import DailyCounter, bump_daily
from fangkong.db import bump
from fangkong.screening.models import (
    CoverageCounter,
    CoverageDaily,
    HouseholdStatus,
    ScreeningRound,
    Visit,
)
from fangkong.screening.schemas import NOT_REACHED, Outcome

VISITS_METRIC = "screening.visits"

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The local calendar day of a UTC instant (days are cut at local midnight)."""
    return moment.astimezone(zone).date()


def local_noon(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(12), tzinfo=zone).astimezone(UTC)


def settle(current: str | None, new: Outcome) -> Outcome:
    """The household's outcome after a visit: the visit's own, except that a failed revisit
    (nobody home, refused) never undoes a household already seen."""
    if current == Outcome.VISITED.value and new in NOT_REACHED:
        return Outcome.VISITED
    return new


def _dialect_insert(session: Session) -> type[postgresql.Insert] | type[sqlite.Insert]:
    name = session.get_bind().dialect.name
    return postgresql.Insert if name == "postgresql" else sqlite.Insert


def _claim(session: Session, row: dict[str, object]) -> bool:
    """Insert the household's first status row unless another writer did; True if inserted."""
    insert_class = _dialect_insert(session)
    stmt = (insert_class(HouseholdStatus).values(row).on_conflict_do_nothing()
            .returning(HouseholdStatus.round_id))
    return session.execute(stmt).first() is not None


def _locked_status(session: Session, round_id: int, household_id: int) -> HouseholdStatus:
    stmt = (select(HouseholdStatus).where(HouseholdStatus.round_id == round_id,
                                          HouseholdStatus.household_id == household_id)
            .with_for_update().execution_options(populate_existing=True))
    return session.scalars(stmt).one()


def _apply(session: Session, round_id: int, deltas: dict[str, Counter[str]]) -> None:
    for area_code, changes in deltas.items():
        increments = {name: value for name, value in changes.items() if value}
        if increments:
            bump(session, CoverageCounter, keys={"round_id": round_id, "area_code": area_code},
                 increments=increments)


def do_count_visit(session: Session, *, visit: Visit, persons_seen: int, zone: ZoneInfo) -> None:
    """Bring the household's status and the round's counters in step with a new visit."""
    outcome = Outcome(visit.outcome)
    seen = persons_seen if outcome is Outcome.VISITED else 0
    row = {"round_id": visit.round_id, "household_id": visit.household_id,
           "area_code": visit.area_code, "outcome": outcome.value, "persons_seen": seen,
           "last_visit_id": visit.id, "last_visited_at": visit.visited_at}
    first = _claim(session, row)
    deltas: dict[str, Counter[str]] = defaultdict(Counter)
    if not first:
        status = _locked_status(session, visit.round_id, visit.household_id)
        deltas[status.area_code].update({status.outcome: -1, "persons_seen": -status.persons_seen})
        settled = settle(status.outcome, outcome)
        if settled is not outcome:
            seen = status.persons_seen
        status.outcome, status.persons_seen, status.area_code = settled.value, seen, visit.area_code
        status.last_visit_id, status.last_visited_at = visit.id, visit.visited_at
        outcome = settled
    deltas[visit.area_code].update({outcome.value: 1, "persons_seen": seen})
    _apply(session, visit.round_id, deltas)
    day = local_day(visit.visited_at, zone)
    bump(session, CoverageDaily, keys={
        "round_id": visit.round_id, "area_code": visit.area_code,
        "day": day, "visitor_id": visit.visitor_id or 0,
    }, increments={"reached": int(first), "visits": 1})
    bump_daily(session, area_code=visit.area_code, day=day, metric=VISITS_METRIC)


def _day_of(session: Session, column: ColumnElement[datetime], zone: ZoneInfo,
            around: date) -> ColumnElement[date]:
    """The local day of a stored UTC time in SQL. SQLite keeps no zone rules: the zone's
    offset at the round's start is used (fixed for zones without daylight saving)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone.key, column), Date)
    offset = datetime.combine(around, time(12), tzinfo=zone).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    return func.date(column, f"{seconds:+d} seconds")


def _rebuild_counters(session: Session, round_id: int) -> None:
    table = HouseholdStatus.__table__
    sums = [func.sum(case((table.c.outcome == name, 1), else_=0)) for name in Outcome]
    source = (select(literal(round_id), table.c.area_code, *sums,
                     func.sum(table.c.persons_seen))
              .where(table.c.round_id == round_id).group_by(table.c.area_code))
    columns = ["round_id", "area_code", *(outcome.value for outcome in Outcome), "persons_seen"]
    session.execute(insert(CoverageCounter).from_select(columns, source))


def _rebuild_daily(session: Session, round_: ScreeningRound, zone: ZoneInfo) -> None:
    firsts = (select(func.min(Visit.id)).where(Visit.round_id == round_.id)
              .group_by(Visit.household_id))
    day = _day_of(session, Visit.visited_at.expression, zone, round_.starts_on)
    visitor = func.coalesce(Visit.visitor_id, 0)
    reached = func.sum(case((Visit.id.in_(firsts), 1), else_=0))
    source = (select(literal(round_.id), Visit.area_code, day, visitor, reached, func.count())
              .where(Visit.round_id == round_.id)
              .group_by(Visit.area_code, day, visitor))
    columns = ["round_id", "area_code", "day", "visitor_id", "reached", "visits"]
    session.execute(insert(CoverageDaily).from_select(columns, source))


def do_rebuild_coverage(session: Session, *, round_: ScreeningRound, zone: ZoneInfo) -> None:
    """Recompute a round's counters from its households' outcomes and its visits, in SQL."""
    for model in (CoverageCounter, CoverageDaily):
        session.execute(delete(model).where(model.round_id == round_.id))
    _rebuild_counters(session, round_.id)
    _rebuild_daily(session, round_, zone)
    _rebuild_activity(session, round_.area_code)


def _rebuild_activity(session: Session, prefix: str) -> None:
    """The daily report's `screening.visits` counters under an area, from every round's
    per-day visit counts (the report reads them to tell which communities were active)."""
    session.execute(delete(DailyCounter).where(
        DailyCounter.metric == VISITS_METRIC, DailyCounter.area_code.like(prefix + "%")))
    per_day = (select(CoverageDaily.area_code, CoverageDaily.day, literal(VISITS_METRIC),
                      func.sum(CoverageDaily.visits))
               .where(CoverageDaily.area_code.like(prefix + "%"))
               .group_by(CoverageDaily.area_code, CoverageDaily.day))
    session.execute(insert(DailyCounter).from_select(
        ["area_code", "day", "metric", "value"], per_day))
