"""Coverage: every level is the sum of its children, and the counters agree with the rows."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from screening_helpers import GRID1, at_local, make_household, today, visit
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.registry.models import Household, Person
from fangkong.screening.models import HouseholdStatus, ScreeningRound
from fangkong.screening.queries import area_figures, child_figures, coverage_of
from fangkong.screening.schemas import Figures, Outcome

DISTRICTS = ("220102", "220104", "220106")


@pytest.fixture
def generated_city(db: Session, actors, city_round: ScreeningRound) -> list[Household]:
    """Households in grids of three districts, two thirds of them visited at random."""
    rng = random.Random(2020)  # noqa: S311 - test data
    grids = list(db.scalars(select(Area.code).where(Area.level == "grid", func.substr(
        Area.code, 1, 6).in_(DISTRICTS)).order_by(Area.code)))
    chosen = [*rng.sample(grids, 14), GRID1]
    households = [make_household(db, grid, members=["甲", "乙", "丙"][: rng.randint(1, 3)])
                  for grid in chosen for _ in range(rng.randint(1, 3))]
    workers = [actors("admin"), actors("city"), actors("nanguan")]
    for household in rng.sample(households, len(households) * 2 // 3):
        for _ in range(rng.randint(1, 2)):
            back = rng.randint(0, 3)
            at = at_local(today() - timedelta(days=back), rng.randint(8, 20)) if back else None
            worker = workers[2] if household.area_code.startswith("220102") else workers[0]
            outcome = rng.choice([*[Outcome.VISITED] * 5, *list(Outcome)])
            visit(db, rng.choice([worker, workers[1]]), city_round, household, outcome, at=at)
    return households


def assert_sums_of_children(db: Session, round_: ScreeningRound, area: Area) -> int:
    """Check the area against its children, recursively; return how many areas were checked."""
    children = child_figures(db, round_id=round_.id, area=area)
    if not children:
        return 1
    total = sum((child.figures for child in children), Figures())
    assert area_figures(db, round_id=round_.id, area_code=area.code) == total, area.code
    checked = 1
    for child in children:
        if child.figures.households:
            checked += assert_sums_of_children(db, round_, db.get(Area, child.code))
    return checked


def test_every_level_is_the_sum_of_its_children(
    db: Session, city_round: ScreeningRound, generated_city: list[Household],
) -> None:
    city = db.get(Area, "2201")
    assert city is not None
    checked = assert_sums_of_children(db, city_round, city)
    assert checked > 15 + 5  # the city, its districts and every branch down to the grids


def test_the_counters_agree_with_the_households_and_persons(
    db: Session, city_round: ScreeningRound, generated_city: list[Household],
) -> None:
    figures = area_figures(db, round_id=city_round.id, area_code="2201")
    households = db.scalar(select(func.count()).select_from(Household)) or 0
    persons = db.scalar(select(func.count()).select_from(Person).where(
        Person.status == "active")) or 0
    statuses = list(db.scalars(select(HouseholdStatus).where(
        HouseholdStatus.round_id == city_round.id)))
    by_outcome = {outcome.value: sum(1 for s in statuses if s.outcome == outcome.value)
                  for outcome in Outcome}
    assert (figures.households, figures.persons) == (households, persons)
    assert figures.model_dump(include=set(by_outcome)) == by_outcome
    assert figures.persons_seen == sum(s.persons_seen for s in statuses)
    assert figures.reached == len(statuses) > 0
    assert figures.to_visit == households - len(statuses)


def test_workers_and_days_add_up_to_the_households_reached(
    db: Session, actors, city_round: ScreeningRound, generated_city: list[Household],
) -> None:
    for code in ("2201", "220102", "220104"):
        area = db.get(Area, code)
        assert area is not None
        report = coverage_of(db, round_=city_round, area=area, today=today())
        reached = report.area.figures.reached
        assert sum(worker.reached for worker in report.workers) == reached
        assert report.days[-1].cumulative == reached
        assert [day.day for day in report.days] == [
            city_round.starts_on + timedelta(days=n) for n in range(4)]
    city = coverage_of(db, round_=city_round, area=db.get(Area, "2201"), today=today())
    names = {worker.name for worker in city.workers}
    assert names <= {"平台管理员", "市指挥部", "南关区指挥部"}
    assert len(city.children) == 15
    assert city.children[0].leaders  # each district's responsible leaders come along


def test_percentages(db: Session) -> None:
    figures = Figures(households=3, visited=1, nobody_home=1, persons=7, persons_seen=2)
    assert (figures.visited_pct, figures.reached_pct, figures.persons_pct) == (33.3, 66.7, 28.6)
    assert figures.to_visit == 1
    assert Figures().reached_pct == 0.0
