"""The demo round: a round in progress written through the bulk path."""

from __future__ import annotations

from screening_helpers import GRID1, GRID2, make_household, today, visit
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.screening.demo import do_build_demo_round
from fangkong.screening.models import FollowUp, HouseholdStatus, Visit, VisitMember
from fangkong.screening.queries import area_figures, coverage_of
from fangkong.screening.schemas import Outcome


def test_the_demo_round_visits_most_households_over_several_days(db: Session, actors) -> None:
    grids = [GRID1, GRID2, "220103002001001", "220104001002002"]
    households = [make_household(db, grid, members=("甲", "乙", "丙")) for grid in grids
                  for _ in range(15)]
    round_ = do_build_demo_round(db, seed=1, coverage=0.6)
    assert round_.starts_on < today() < round_.ends_on
    statuses = list(db.scalars(select(HouseholdStatus).where(
        HouseholdStatus.round_id == round_.id)))
    assert 0.4 * len(households) <= len(statuses) <= 0.8 * len(households)
    figures = area_figures(db, round_id=round_.id, area_code="2201")
    assert figures.reached == len(statuses)
    assert figures.visited == sum(1 for s in statuses if s.outcome == Outcome.VISITED.value)
    lines = db.scalar(select(func.count()).select_from(VisitMember)) or 0
    assert lines >= 3 * figures.visited
    visitors = set(db.scalars(select(Visit.visitor_id).where(Visit.round_id == round_.id)))
    grid1_user = actors("grid1").user_id
    assert grid1_user in visitors
    assert db.scalar(select(func.count()).select_from(User).where(
        User.username == "gw220103002001001")) == 1
    report = coverage_of(db, round_=round_, area=db.get(Area, "2201"), today=today())
    assert report.days[-1].cumulative == figures.reached
    assert sum(1 for day in report.days if day.reached) >= 3


def test_the_demo_round_is_built_once_and_takes_new_visits(db: Session, actors) -> None:
    household = make_household(db)
    others = [make_household(db) for _ in range(5)]
    first = do_build_demo_round(db, seed=2, coverage=0.5)
    visits = db.scalar(select(func.count()).select_from(Visit))
    assert do_build_demo_round(db, seed=2, coverage=0.5).id == first.id
    assert db.scalar(select(func.count()).select_from(Visit)) == visits
    recorded = visit(db, actors("grid1"), first, household)
    assert recorded.id > max(db.scalars(select(Visit.id).where(Visit.id != recorded.id)))
    assert area_figures(db, round_id=first.id, area_code=GRID1).reached >= 1
    assert len(others) == 5


def test_fevers_in_the_demo_land_on_the_follow_up_list(db: Session) -> None:
    for grid in (GRID1, GRID2):
        for _ in range(40):
            make_household(db, grid, members=("甲", "乙", "丙", "丁"))
    round_ = do_build_demo_round(db, seed=5, coverage=1.0)
    flagged = list(db.scalars(select(FollowUp)))
    feverish = list(db.scalars(select(VisitMember).where(VisitMember.temperature >= 37.3)))
    assert {line.person_id for line in feverish} <= {row.person_id for row in flagged}
    assert all(row.flagged_by_name for row in flagged if row.area_code == GRID1)
    assert round_.id
