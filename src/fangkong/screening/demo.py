"""A screening round in progress for the demo: visits to most households over the last days.

Written through a bulk path: visits, member lines and follow-ups are inserted with executemany
one district at a time, each household's outcome is computed here, and the counters are then
rebuilt in SQL (`do_rebuild_coverage`), so a city of a million persons takes seconds, not hours.
Deterministic for a seed; a second call finds the round and changes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import User
from fangkong.accounts.security import hash_password
from fangkong.areas.demo import person_name
from fangkong.areas.models import Area
from fangkong.db import utcnow
from fangkong.permissions import Role
from fangkong.registry.models import Household, Person
from fangkong.scope import SYSTEM
from fangkong.screening.actions import do_create_round
from fangkong.screening.counters import DEFAULT_ZONE, do_rebuild_coverage, settle
from fangkong.screening.models import (
    FollowUp,
    HouseholdStatus,
    ScreeningRound,
    Visit,
    VisitMember,
)
from fangkong.screening.schemas import Outcome, RoundCreate, Symptom

DEMO_ROUND = "第一轮网格化排查"
DAYS_BEFORE = 4
DAYS_AFTER = 3
CHUNK = 5000
FIRST_OUTCOMES = (  # the outcome of a first knock, and how often
    (Outcome.VISITED, 0.90), (Outcome.NOBODY_HOME, 0.055), (Outcome.REFUSED, 0.012),
    (Outcome.VACANT, 0.02), (Outcome.MOVED_AWAY, 0.013),
)
PLACES = ("长春市内亲属家", "吉林市", "北京市", "沈阳市", "哈尔滨市", "外省务工", "海南省")


@dataclass(slots=True)
class Plan:
    """What the demo writes for one district before it goes to the database."""

    visits: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    round_: ScreeningRound
    rng: random.Random
    coverage: float
    zone: ZoneInfo
    now: datetime
    workers: dict[str, tuple[int, str]]
    next_id: int


def do_build_demo_round(session: Session, *, seed: int, coverage: float = 0.6,
                        city_code: str = "2201", zone: ZoneInfo = DEFAULT_ZONE) -> ScreeningRound:
    """An active round over the city, started a few days ago, with visits to about `coverage`
    of its households by their grid workers, some nobody home or refused, a few fevers."""
    found = session.scalar(select(ScreeningRound).where(ScreeningRound.name == DEMO_ROUND,
                                                        ScreeningRound.area_code == city_code))
    if found is not None:
        return found
    today = datetime.now(zone).date()
    round_ = do_create_round(session, actor=SYSTEM, data=RoundCreate(
        name=DEMO_ROUND, area_code=city_code, starts_on=today - timedelta(days=DAYS_BEFORE),
        ends_on=today + timedelta(days=DAYS_AFTER)))
    context = Context(round_=round_, rng=random.Random(seed), coverage=coverage,  # noqa: S311
                      zone=zone, now=utcnow(), workers=grid_workers(session, city_code, seed),
                      next_id=(session.scalar(select(func.max(Visit.id))) or 0) + 1)
    totals: dict[str, int] = defaultdict(int)
    districts = session.scalars(select(Area.code).where(Area.parent_code == city_code)
                                .order_by(Area.code))
    for district in list(districts):
        plan = plan_district(session, context, district)
        write_plan(session, plan)
        for name in ("visits", "lines", "follow_ups", "statuses"):
            totals[name] += len(getattr(plan, name))
    _fix_sequence(session)
    do_rebuild_coverage(session, round_=round_, zone=zone)
    do_audit(session, actor=SYSTEM, action=AuditAction.IMPORT, resource="visit",
             record_id=round_.id, area_code=city_code, detail={"demo": True, **totals})
    return round_


# --- the grid workers ----------------------------------------------------------------------


def grid_workers(session: Session, city_code: str, seed: int) -> dict[str, tuple[int, str]]:
    """A grid worker for every grid: the one there is, else a demo account `gw<grid code>`
    (password: the demo password), made in one insert."""
    grids = list(session.scalars(select(Area.code).where(
        Area.code.startswith(city_code), Area.level == "grid").order_by(Area.code)))
    workers = {area: (user_id, name) for user_id, area, name in session.execute(
        select(User.id, User.area_code, User.display_name).where(
            User.role == Role.GRID_WORKER.value, User.area_code.in_(grids)).order_by(User.id))}
    missing = [grid for grid in grids if grid not in workers]
    if missing:
        _create_workers(session, missing, seed)
        return grid_workers(session, city_code, seed)
    return workers


def _create_workers(session: Session, grids: list[str], seed: int) -> None:
    from fangkong.demo import DEMO_PASSWORD  # noqa: PLC0415 - the demo module imports this one

    rng = random.Random(seed + 3)  # noqa: S311 - demo data
    password = hash_password(DEMO_PASSWORD)
    now = utcnow()
    session.execute(insert(User), [{
        "username": f"gw{grid}", "display_name": f"网格员{person_name(rng)}",
        "role": Role.GRID_WORKER.value, "area_code": grid, "phone": "",
        "password_hash": password, "is_active": True, "must_change_password": False,
        "created_at": now, "updated_at": now,
    } for grid in grids])


# --- planning one district -----------------------------------------------------------------


def _households(session: Session, prefix: str) -> list[tuple[int, str]]:
    stmt = (select(Household.id, Household.area_code)
            .where(Household.area_code.startswith(prefix)).order_by(Household.id))
    return [(household_id, area) for household_id, area in session.execute(stmt)]


def _members(session: Session, prefix: str) -> dict[int, list[tuple[int, str]]]:
    stmt = (select(Person.household_id, Person.id, Person.area_code)
            .where(Person.area_code.startswith(prefix), Person.status == "active",
                   Person.household_id.is_not(None)).order_by(Person.id))
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for household_id, person_id, area in session.execute(stmt):
        members[household_id or 0].append((person_id, area))
    return members


def _moment(context: Context, earliest: date) -> datetime:
    """A time between 8:00 and 20:00 local on a day from `earliest` to today, not in the
    future."""
    rng = context.rng
    today = context.now.astimezone(context.zone).date()
    day = earliest + timedelta(days=rng.randint(0, max((today - earliest).days, 0)))
    clock = time(rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59))
    moment = datetime.combine(day, clock, tzinfo=context.zone).astimezone(UTC)
    if moment >= context.now:
        moment = context.now - timedelta(minutes=rng.randint(1, 600))
    return max(moment, datetime.combine(context.round_.starts_on, time(8),
                                        tzinfo=context.zone).astimezone(UTC))


def _outcome(rng: random.Random) -> Outcome:
    pick = rng.random()
    for outcome, share in FIRST_OUTCOMES:
        if pick < share:
            return outcome
        pick -= share
    return Outcome.VISITED


def plan_district(session: Session, context: Context, district: str) -> Plan:
    plan = Plan()
    members = _members(session, district)
    for household_id, area in _households(session, district):
        if context.rng.random() >= context.coverage:
            continue
        first = _outcome(context.rng)
        knocks = [(first, _moment(context, context.round_.starts_on))]
        if first is Outcome.NOBODY_HOME and context.rng.random() < 0.5:
            later = knocks[0][1].astimezone(context.zone).date() + timedelta(days=1)
            if later <= context.now.astimezone(context.zone).date():
                knocks.append((Outcome.VISITED, _moment(context, later)))
        _plan_household(plan, context, household_id=household_id, area=area,
                        members=members.get(household_id, []), knocks=knocks)
    plan.visits.sort(key=lambda row: row["visited_at"])
    for row in plan.visits:
        row["id"], context.next_id = context.next_id, context.next_id + 1
    return plan


def _plan_household(plan: Plan, context: Context, *, household_id: int, area: str,
                    members: list[tuple[int, str]],
                    knocks: list[tuple[Outcome, datetime]]) -> None:
    worker_id, worker_name = context.workers.get(area, (0, ""))
    current: Outcome | None = None
    seen = 0
    visit: dict[str, Any] = {}
    for outcome, moment in knocks:
        visit = {"round_id": context.round_.id, "household_id": household_id, "area_code": area,
                 "visited_at": moment, "visitor_id": worker_id or None,
                 "visitor_name": worker_name, "outcome": outcome.value, "notes": "",
                 "created_at": context.now, "id": None}
        plan.visits.append(visit)
        if outcome is Outcome.VISITED:
            seen = _plan_members(plan, context, visit, members)
        current = settle(current.value if current else None, outcome)
    plan.statuses.append({
        "round_id": context.round_.id, "household_id": household_id, "area_code": area,
        "outcome": (current or Outcome.VISITED).value,
        "persons_seen": seen if current is Outcome.VISITED else 0,
        "last_visit": visit, "last_visited_at": visit["visited_at"]})


def _plan_members(plan: Plan, context: Context, visit: dict[str, Any],
                  members: list[tuple[int, str]]) -> int:
    rng, seen = context.rng, 0
    for person_id, area in members:
        line = _member_line(rng, visit, person_id, area)
        plan.lines.append(line)
        seen += int(line["present"])
        reasons = _reasons(line)
        if reasons:
            plan.follow_ups.append({
                "person_id": person_id, "area_code": area, "visit": visit, "reasons": reasons,
                "flagged_at": visit["visited_at"], "flagged_by_id": visit["visitor_id"],
                "flagged_by_name": visit["visitor_name"], "status": "open",
                "handled_note": ""})
    return seen


def _member_line(rng: random.Random, visit: dict[str, Any], person_id: int,
                 area: str) -> dict[str, Any]:
    present = rng.random() >= 0.05
    fever = present and rng.random() < 0.003
    low, high = (373, 392) if fever else (358, 371)
    symptoms = [Symptom.COUGH.value] if fever and rng.random() < 0.6 else []
    if present and not fever and rng.random() < 0.002:
        symptoms = [rng.choice([Symptom.COUGH, Symptom.SORE_THROAT, Symptom.FATIGUE]).value]
    return {
        "visit": visit, "person_id": person_id, "area_code": area, "present": present,
        "away_where": "" if present else rng.choice(PLACES),
        "away_since": None if present else date(2020, 1, 20) + timedelta(days=rng.randint(0, 9)),
        "temperature": Decimal(rng.randint(low, high)) / 10 if present else None,
        "symptoms": symptoms, "key_area_travel": present and rng.random() < 0.002,
        "case_contact": present and rng.random() < 0.0005, "notes": "",
    }


def _reasons(line: dict[str, Any]) -> list[str]:
    reasons = []
    temperature = line["temperature"]
    if temperature is not None and temperature >= Decimal("37.3"):
        reasons.append("fever")
    if line["symptoms"]:
        reasons.append("symptoms")
    if line["key_area_travel"]:
        reasons.append("key_area_travel")
    if line["case_contact"]:
        reasons.append("case_contact")
    return reasons


# --- writing -------------------------------------------------------------------------------


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[start:start + CHUNK] for start in range(0, len(rows), CHUNK)]


def _with_visit_id(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        values = {name: value for name, value in row.items() if name != "visit"}
        values[key] = row["visit"]["id"]
        out.append(values)
    return out


def write_plan(session: Session, plan: Plan) -> None:
    """Insert a district's rows (executemany, in chunks)."""
    for chunk in _chunks(plan.visits):
        session.execute(insert(Visit), chunk)
    for chunk in _chunks(_with_visit_id(plan.lines, "visit_id")):
        session.execute(insert(VisitMember), chunk)
    for chunk in _chunks(_with_visit_id(plan.follow_ups, "visit_id")):
        session.execute(insert(FollowUp), chunk)
    statuses = [{**{key: value for key, value in row.items() if key != "last_visit"},
                 "last_visit_id": row["last_visit"]["id"]} for row in plan.statuses]
    for chunk in _chunks(statuses):
        session.execute(insert(HouseholdStatus), chunk)


def _fix_sequence(session: Session) -> None:
    """Visits were given their ids here: move PostgreSQL's sequence past them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('visits', 'id'), "
                             "(SELECT COALESCE(MAX(id), 1) FROM visits))"))

