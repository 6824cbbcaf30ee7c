"""Reads of screening: rounds, households to visit, visits, follow-ups, and coverage.

Coverage comes from the maintained counters alone (`coverage_counters`, `coverage_daily` and the
registry's `registry_counters`), summed with `GROUP BY substr(area_code, 1, n)`: no query here
scans persons or households to count them, and every level is the sum of its children.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.areas.queries import leaders_by_area
from fangkong.errors import NotFound
from fangkong.registry.models import GridCounter, Household, Person
from fangkong.scope import Actor, in_scope
from fangkong.screening.models import (
    CoverageCounter,
    CoverageDaily,
    FollowUp,
    HouseholdStatus,
    ScreeningRound,
    Visit,
    VisitMember,
)
from fangkong.screening.schemas import (
    NOT_REACHED,
    AreaFigures,
    CoverageRead,
    DayProgress,
    Figures,
    FollowUpStatus,
    LeaderBrief,
    Outcome,
    WorkerProgress,
)
from fangkong.web.pagination import PageParams

OUTCOME_COLUMNS = tuple(outcome.value for outcome in Outcome)
WORKER_LIMIT = 50
HouseholdRows: TypeAlias = "Select[Household, str | None, Any]"
"""Households with their current outcome in a round and when they were last visited."""
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"

# --- rounds --------------------------------------------------------------------------------


def ancestors_of(code: str) -> list[str]:
    """Every proper prefix of an area code: the areas that may contain it."""
    return [code[:n] for n in range(2, len(code))]


def round_visible(actor: Actor, round_: ScreeningRound) -> bool:
    """A round over the actor's area or inside it (a grid worker sees the city's round)."""
    return actor.sees(round_.area_code) or actor.area_code.startswith(round_.area_code)


def rounds_stmt(actor: Actor, *, status: str | None = None) -> Select[ScreeningRound]:
    """The rounds the actor may see, newest first."""
    covering = ScreeningRound.area_code.in_([*ancestors_of(actor.area_code), actor.area_code])
    stmt = select(ScreeningRound).where(
        or_(in_scope(ScreeningRound.area_code.expression, actor.scope), covering)
    )
    if status is not None:
        stmt = stmt.where(ScreeningRound.status == status)
    return stmt.order_by(ScreeningRound.starts_on.desc(), ScreeningRound.id.desc())


def list_rounds(session: Session, actor: Actor, *, status: str | None = None) -> list[
    ScreeningRound
]:
    return list(session.scalars(rounds_stmt(actor, status=status)))


def access_round(session: Session, actor: Actor, round_id: int) -> ScreeningRound:
    """The round if the actor may see it; NotFound for a missing one and one out of scope."""
    round_ = session.get(ScreeningRound, round_id)
    if round_ is None or not round_visible(actor, round_):
        raise NotFound()
    return round_


def count_round_visits(session: Session, round_id: int) -> int:
    stmt = select(func.count()).select_from(Visit).where(Visit.round_id == round_id)
    return session.scalar(stmt) or 0


def working_area(session: Session, actor: Actor, round_: ScreeningRound,
                 area: str | None = None) -> Area:
    """The area of a round the actor works in: the one asked for, else the deeper of the
    round's area and the actor's; it must lie inside both (NotFound otherwise)."""
    code = area or max(round_.area_code, actor.scope, key=len)
    found = session.get(Area, code)
    if found is None or not (actor.sees(code) and code.startswith(round_.area_code)):
        raise NotFound()
    return found


def area_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted)))
    return dict(rows.all())


# --- households ----------------------------------------------------------------------------


def access_household(session: Session, actor: Actor, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None or not actor.sees(household.area_code):
        raise NotFound()
    return household


def household_members(session: Session, household_id: int) -> list[Person]:
    """The active members of a household, head first."""
    head_first = case((Person.relation == "head", 0), else_=1)
    stmt = (select(Person).where(Person.household_id == household_id, Person.status == "active")
            .order_by(head_first, Person.id))
    return list(session.scalars(stmt))


def get_status(session: Session, round_id: int, household_id: int) -> HouseholdStatus | None:
    return session.get(HouseholdStatus, (round_id, household_id))


def _with_status(round_id: int) -> HouseholdRows:
    joined = and_(HouseholdStatus.round_id == round_id,
                  HouseholdStatus.household_id == Household.id)
    return (select(Household, HouseholdStatus.outcome, HouseholdStatus.last_visited_at)
            .outerjoin(HouseholdStatus, joined))


def search_households_stmt(actor: Actor, round_: ScreeningRound,
                           text: str) -> HouseholdRows:
    """Households of the round's area in the actor's scope by code or address."""
    needle = text.strip()
    stmt = _with_status(round_.id).where(
        or_(Household.code == needle, Household.address.contains(needle, autoescape=True)),
        in_scope(Household.area_code.expression, round_.area_code),
    )
    stmt = stmt.where(in_scope(Household.area_code.expression, actor.scope))
    return stmt.order_by(Household.address)


def to_visit_stmt(round_id: int, area_code: str, *, outcome: str | None = None,
                  revisits: Sequence[str] = NOT_REACHED,
                  never_reached_first: bool = True) -> HouseholdRows:
    """Households of an area not yet visited in the round (no visit, or only revisits), by
    grid and address; never reached first (a grid worker's list) unless told otherwise (a
    city's list, read in the order of the households' index)."""
    stmt = _with_status(round_id).where(in_scope(Household.area_code.expression, area_code))
    if outcome == "none":
        stmt = stmt.where(HouseholdStatus.outcome.is_(None))
    elif outcome is not None:
        stmt = stmt.where(HouseholdStatus.outcome == outcome)
    else:
        stmt = stmt.where(or_(HouseholdStatus.outcome.is_(None),
                              HouseholdStatus.outcome.in_(list(revisits))))
    place = (Household.area_code, Household.address, Household.id)
    if not never_reached_first:
        return stmt.order_by(*place)
    first = case((HouseholdStatus.outcome.is_(None), 0),
                 (HouseholdStatus.outcome == Outcome.NOBODY_HOME.value, 1), else_=2)
    return stmt.order_by(first, *place)


def page_of(session: Session, stmt: AnySelect, params: PageParams) -> list[Any]:
    return list(session.execute(stmt.limit(params.size).offset(params.offset)).all())


def count_rows(session: Session, stmt: AnySelect) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def count_to_visit(figures: Figures, outcome: str | None) -> int:
    """How many households the not-visited list holds, from the counters alone."""
    counts = {"none": figures.to_visit, Outcome.NOBODY_HOME.value: figures.nobody_home,
              Outcome.REFUSED.value: figures.refused}
    return counts[outcome] if outcome else sum(counts.values())


# --- visits --------------------------------------------------------------------------------


def visits_stmt(actor: Actor, round_id: int, household_id: int | None = None) -> Select[Visit]:
    stmt = select(Visit).where(Visit.round_id == round_id)
    if household_id is not None:
        stmt = stmt.where(Visit.household_id == household_id)
    stmt = stmt.order_by(Visit.visited_at.desc(), Visit.id.desc())
    return stmt.where(in_scope(Visit.area_code.expression, actor.scope))


def members_of_visits(session: Session, visit_ids: Sequence[int]) -> dict[int, list[VisitMember]]:
    grouped: dict[int, list[VisitMember]] = defaultdict(list)
    if visit_ids:
        stmt = select(VisitMember).where(VisitMember.visit_id.in_(list(visit_ids)))
        for line in session.scalars(stmt.order_by(VisitMember.id)):
            grouped[line.visit_id].append(line)
    return grouped


# --- follow-ups ----------------------------------------------------------------------------


def follow_ups_stmt(actor: Actor, area_code: str | None = None,
                    status: str | None = None) -> Select[FollowUp, Person, Household | None]:
    """Follow-ups of the actor's area (or a part of it), open ones first, newest first."""
    open_first = case((FollowUp.status == FollowUpStatus.OPEN.value, 0), else_=1)
    stmt = (select(FollowUp, Person, Household).join(Person, Person.id == FollowUp.person_id)
            .outerjoin(Household, Household.id == Person.household_id)
            .order_by(open_first, FollowUp.flagged_at.desc(), FollowUp.id.desc()))
    if area_code:
        stmt = stmt.where(in_scope(FollowUp.area_code.expression, area_code))
    if status:
        stmt = stmt.where(FollowUp.status == status)
    return stmt.where(in_scope(FollowUp.area_code.expression, actor.scope))


def list_open_follow_ups(session: Session, actor: Actor, area_prefix: str = "") -> list[FollowUp]:
    """Open follow-ups under an area prefix inside the actor's scope, oldest first, for the
    modules that pick them up (quarantine, testing)."""
    stmt = (select(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN.value,
                                   in_scope(FollowUp.area_code.expression, area_prefix))
            .order_by(FollowUp.flagged_at, FollowUp.id))
    return list(session.scalars(stmt.where(in_scope(FollowUp.area_code.expression, actor.scope))))


def access_follow_up(session: Session, actor: Actor, follow_up_id: int) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None or not actor.sees(follow_up.area_code):
        raise NotFound()
    return follow_up


def get_open_follow_up(session: Session, person_id: int) -> FollowUp | None:
    stmt = select(FollowUp).where(FollowUp.person_id == person_id,
                                  FollowUp.status == FollowUpStatus.OPEN.value)
    return session.scalar(stmt.order_by(FollowUp.id).limit(1))


# --- coverage ------------------------------------------------------------------------------


def figures_by_prefix(session: Session, *, round_id: int, area_code: str, length: int) -> dict[
    str, Figures
]:
    """Coverage of every area of code length `length` under `area_code`: two GROUP BYs."""
    head = func.substr(CoverageCounter.area_code, 1, length)
    counters = select(head, *(func.sum(CoverageCounter.__table__.c[name]) for name in (
        *OUTCOME_COLUMNS, "persons_seen"))).where(
        CoverageCounter.round_id == round_id,
        in_scope(CoverageCounter.area_code.expression, area_code),
    ).group_by(head)
    grid_head = func.substr(GridCounter.area_code, 1, length)
    totals = (select(grid_head, func.sum(GridCounter.households), func.sum(GridCounter.persons))
              .where(in_scope(GridCounter.area_code.expression, area_code)).group_by(grid_head))
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for code, households, persons in session.execute(totals):
        found[code].update(households=int(households or 0), persons=int(persons or 0))
    for code, *sums in session.execute(counters):
        names = (*OUTCOME_COLUMNS, "persons_seen")
        found[code].update({name: int(value or 0) for name, value in zip(names, sums,
                                                                          strict=True)})
    return {code: Figures(**values) for code, values in found.items()}


def area_figures(session: Session, *, round_id: int, area_code: str) -> Figures:
    found = figures_by_prefix(session, round_id=round_id, area_code=area_code,
                              length=len(area_code))
    return found.get(area_code, Figures())


def _leaders(session: Session, codes: Iterable[str]) -> dict[str, list[LeaderBrief]]:
    return {code: [LeaderBrief(name=item.name, title=item.title, phone=item.phone,
                               duty=item.duty) for item in leaders]
            for code, leaders in leaders_by_area(session, codes).items()}


def child_figures(session: Session, *, round_id: int, area: Area,
                  with_leaders: bool = True) -> list[AreaFigures]:
    """Each child area's coverage and leaders, by code; empty for a grid."""
    children = list(session.scalars(select(Area).where(Area.parent_code == area.code)
                                    .order_by(Area.code)))
    if not children:
        return []
    found = figures_by_prefix(session, round_id=round_id, area_code=area.code,
                              length=len(children[0].code))
    leaders = _leaders(session, [child.code for child in children]) if with_leaders else {}
    return [AreaFigures(code=child.code, name=child.name, level=child.level,
                        figures=found.get(child.code, Figures()),
                        leaders=leaders.get(child.code, [])) for child in children]


def worker_progress(session: Session, *, round_id: int, area_code: str,
                    limit: int = WORKER_LIMIT) -> tuple[list[WorkerProgress], int]:
    """Households reached and visits made by each visitor in the area, most reached first (the
    first `limit` of them), and how many visitors there are."""
    in_area = (CoverageDaily.round_id == round_id,
               in_scope(CoverageDaily.area_code.expression, area_code))
    reached = func.sum(CoverageDaily.reached)
    visits = func.sum(CoverageDaily.visits)
    stmt = (select(CoverageDaily.visitor_id, User.display_name, reached, visits)
            .outerjoin(User, User.id == CoverageDaily.visitor_id).where(*in_area)
            .group_by(CoverageDaily.visitor_id, User.display_name)
            .order_by(reached.desc(), visits.desc(), CoverageDaily.visitor_id).limit(limit))
    found = [WorkerProgress(visitor_id=visitor, name=name or "", reached=int(done or 0),
                            visits=int(made or 0))
             for visitor, name, done, made in session.execute(stmt)]
    total = session.scalar(select(func.count(func.distinct(CoverageDaily.visitor_id)))
                           .where(*in_area)) or 0
    return found, total


def daily_progress(session: Session, *, round_: ScreeningRound, area_code: str,
                   today: date) -> list[DayProgress]:
    """Reached and visits per local day of the round, with the cumulative households reached;
    every day from the start to today (or the end) is listed, idle days with zero."""
    stmt = (select(CoverageDaily.day, func.sum(CoverageDaily.reached),
                   func.sum(CoverageDaily.visits))
            .where(CoverageDaily.round_id == round_.id,
                   in_scope(CoverageDaily.area_code.expression, area_code))
            .group_by(CoverageDaily.day))
    by_day = {day: (int(reached or 0), int(visits or 0))
              for day, reached, visits in session.execute(stmt)}
    last = max([min(today, round_.ends_on), *by_day])
    days: list[DayProgress] = []
    total = 0
    day = min([round_.starts_on, *by_day])
    while day <= last:
        reached, visits = by_day.get(day, (0, 0))
        total += reached
        days.append(DayProgress(day=day, reached=reached, visits=visits, cumulative=total))
        day += timedelta(days=1)
    return days


def coverage_of(session: Session, *, round_: ScreeningRound, area: Area, today: date,
                with_leaders: bool = True) -> CoverageRead:
    """Everything the coverage page and API show for a round in one area (the leaders only
    for a caller who may read them)."""
    figures = area_figures(session, round_id=round_.id, area_code=area.code)
    leaders = _leaders(session, [area.code]).get(area.code, []) if with_leaders else []
    workers, workers_total = worker_progress(session, round_id=round_.id, area_code=area.code)
    return CoverageRead(
        round_id=round_.id,
        area=AreaFigures(code=area.code, name=area.name, level=area.level, figures=figures,
                         leaders=leaders),
        children=child_figures(session, round_id=round_.id, area=area,
                               with_leaders=with_leaders),
        workers=workers, workers_total=workers_total,
        days=daily_progress(session, round_=round_, area_code=area.code, today=today),
    )


def headline_figures(session: Session, actor: Actor, rounds: Sequence[ScreeningRound]) -> dict[
    int, Figures
]:
    """Each round's coverage in the part of it the actor sees, for the list of rounds."""
    result: dict[int, Figures] = {}
    for round_ in rounds:
        code = max(round_.area_code, actor.scope, key=len)
        result[round_.id] = area_figures(session, round_id=round_.id, area_code=code)
    return result
