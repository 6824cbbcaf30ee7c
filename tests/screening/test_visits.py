"""Recording visits: checks, member lines, the household's outcome, counters, follow-ups."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from screening_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    ZONE,
    at_local,
    fever,
    make_household,
    make_round,
    members_of,
    today,
    visit,
    well,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.errors import Invalid, NotFound
from fangkong.registry.models import GridCounter, Person
from fangkong.scope import Actor
from fangkong.screening.actions import RoundClosed, VisitInvalid, do_close_round
from fangkong.screening.counters import do_rebuild_coverage
from fangkong.screening.models import (
    CoverageCounter,
    CoverageDaily,
    FollowUp,
    HouseholdStatus,
    ScreeningRound,
    VisitMember,
)
from fangkong.screening.schemas import MemberCheck, NewMember, Outcome, Symptom
from fangkong.web.forms import validate


def counters(db: Session, round_id: int) -> dict[str, tuple[int, ...]]:
    rows = db.scalars(select(CoverageCounter).where(CoverageCounter.round_id == round_id))
    return {row.area_code: (row.visited, row.nobody_home, row.refused, row.vacant,
                            row.moved_away, row.persons_seen) for row in rows}


def daily(db: Session, round_id: int) -> dict[tuple[str, object, int], tuple[int, int]]:
    rows = db.scalars(select(CoverageDaily).where(CoverageDaily.round_id == round_id))
    return {(row.area_code, row.day, row.visitor_id): (row.reached, row.visits) for row in rows}


def test_a_household_all_well_is_seen_and_counted(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db, members=("张伟", "李娜", "张小明"))
    grid1: Actor = actors("grid1")
    recorded = visit(db, grid1, city_round, household)
    status = db.get(HouseholdStatus, (city_round.id, household.id))
    assert status is not None
    assert (status.outcome, status.persons_seen, status.last_visit_id) == (
        "visited", 3, recorded.id)
    assert counters(db, city_round.id) == {GRID1: (1, 0, 0, 0, 0, 3)}
    assert daily(db, city_round.id) == {(GRID1, today(), grid1.user_id): (1, 1)}
    lines = db.scalars(select(VisitMember).where(VisitMember.visit_id == recorded.id)).all()
    assert len(lines) == 3
    assert all(line.present and line.symptoms == [] for line in lines)
    assert recorded.visitor_name == "网格员一"


def test_a_revisit_moves_the_household_between_outcomes(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    grid1 = actors("grid1")
    yesterday = at_local(today() - timedelta(days=1))
    visit(db, grid1, city_round, household, Outcome.NOBODY_HOME, at=yesterday)
    assert counters(db, city_round.id) == {GRID1: (0, 1, 0, 0, 0, 0)}
    visit(db, grid1, city_round, household)
    assert counters(db, city_round.id) == {GRID1: (1, 0, 0, 0, 0, 2)}
    assert daily(db, city_round.id) == {
        (GRID1, today() - timedelta(days=1), grid1.user_id): (1, 1),
        (GRID1, today(), grid1.user_id): (0, 1),
    }


def test_a_failed_revisit_does_not_undo_a_household_seen(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    grid1 = actors("grid1")
    visit(db, grid1, city_round, household)
    visit(db, grid1, city_round, household, Outcome.NOBODY_HOME)
    assert counters(db, city_round.id) == {GRID1: (1, 0, 0, 0, 0, 2)}
    visit(db, grid1, city_round, household, Outcome.MOVED_AWAY)
    assert counters(db, city_round.id) == {GRID1: (0, 0, 0, 0, 1, 0)}


def test_the_household_must_be_in_scope_and_in_the_round(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    elsewhere = make_household(db, GRID2)
    with pytest.raises(NotFound):
        visit(db, actors("grid1"), city_round, elsewhere)
    street_round = make_round(db, area="220104001", name="朝阳街道排查", starts=5, ends=6)
    own = make_household(db, GRID1)
    with pytest.raises(VisitInvalid) as caught:
        visit(db, actors("admin"), street_round, own)
    assert "household_id" in caught.value.fields


def test_the_round_must_be_active_and_the_date_within_it(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    grid1 = actors("grid1")
    with pytest.raises(VisitInvalid) as early:
        visit(db, grid1, city_round, household, at=at_local(today() - timedelta(days=4)))
    assert "visited_at" in early.value.fields
    with pytest.raises(VisitInvalid) as future:
        visit(db, grid1, city_round, household, at=at_local(today() + timedelta(days=1)))
    assert "visited_at" in future.value.fields
    do_close_round(db, actor=actors("admin"), round_=city_round)
    with pytest.raises(RoundClosed):
        visit(db, grid1, city_round, household)


def test_temperatures_outside_34_to_43_are_refused() -> None:
    for text in ("33.9", "43.1", "370"):
        with pytest.raises(Invalid) as caught:
            validate(MemberCheck, {"person_id": 1, "temperature": text})
        assert "temperature" in caught.value.fields
    assert validate(MemberCheck, {"person_id": 1, "temperature": "34.0"}).temperature == Decimal(
        "34.0")


def test_member_lines_are_checked(db: Session, actors, city_round: ScreeningRound) -> None:
    household = make_household(db)
    other = make_household(db, GRID1_NEIGHBOUR)
    first, _ = members_of(db, household)
    stranger = members_of(db, other)[0]
    lines = [MemberCheck(person_id=first.id, present=False),
             MemberCheck(person_id=stranger.id), MemberCheck()]
    with pytest.raises(VisitInvalid) as caught:
        visit(db, actors("admin"), city_round, household, members=lines)
    assert set(caught.value.fields) == {
        "members.0.away_where", "members.1.person_id", "members.2.person_id"}
    with pytest.raises(VisitInvalid) as nobody:
        visit(db, actors("grid1"), city_round, household, Outcome.NOBODY_HOME,
              members=well(db, household))
    assert "members" in nobody.value.fields


def test_absent_members_are_not_seen(db: Session, actors, city_round: ScreeningRound) -> None:
    household = make_household(db)
    first, second = members_of(db, household)
    lines = [MemberCheck(person_id=first.id),
             MemberCheck(person_id=second.id, present=False, away_where="北京",
                         away_since=today() - timedelta(days=20))]
    recorded = visit(db, actors("grid1"), city_round, household, members=lines)
    away = db.scalar(select(VisitMember).where(VisitMember.visit_id == recorded.id,
                                               VisitMember.person_id == second.id))
    assert away is not None
    assert (away.present, away.away_where) == (False, "北京")
    assert counters(db, city_round.id)[GRID1][-1] == 1


def test_a_person_found_at_the_door_joins_the_registry(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    before = db.get(GridCounter, GRID1)
    persons_before = before.persons if before else 0
    found = MemberCheck(new_person=NewMember(name="王五", phone="13812345678"))
    lines = [*well(db, household), found]
    visit(db, actors("grid1"), city_round, household, members=lines)
    names = [person.name for person in members_of(db, household)]
    assert names == ["张伟", "李娜", "王五"]
    counter = db.get(GridCounter, GRID1)
    assert counter is not None
    db.refresh(counter)
    assert counter.persons == persons_before + 1
    assert counters(db, city_round.id)[GRID1][-1] == 3
    created = db.scalar(select(AuditEntry).where(AuditEntry.resource == "person",
                                                  AuditEntry.action == "create")
                        .order_by(AuditEntry.id.desc()))
    assert created is not None
    assert created.actor_name == "grid1"


def test_fever_symptoms_travel_and_contact_are_flagged(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db, members=("甲", "乙", "丙", "丁", "戊"))
    people = members_of(db, household)
    lines = [
        fever(people[0], "37.3"),
        MemberCheck(person_id=people[1].id, temperature=Decimal("37.2"),
                    symptoms=[Symptom.COUGH]),
        MemberCheck(person_id=people[2].id, key_area_travel=True),
        MemberCheck(person_id=people[3].id, case_contact=True),
        MemberCheck(person_id=people[4].id, temperature=Decimal("37.2")),
    ]
    recorded = visit(db, actors("grid1"), city_round, household, members=lines)
    flagged = {row.person_id: row for row in db.scalars(select(FollowUp))}
    assert {person_id: row.reasons for person_id, row in flagged.items()} == {
        people[0].id: ["fever"], people[1].id: ["symptoms"],
        people[2].id: ["key_area_travel"], people[3].id: ["case_contact"],
    }
    entry = flagged[people[0].id]
    assert (entry.area_code, entry.visit_id, entry.status) == (GRID1, recorded.id, "open")
    assert entry.flagged_by_name == "网格员一"
    assert entry.flagged_by_id == actors("grid1").user_id


def test_a_second_flag_adds_to_the_open_follow_up(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db, members=("甲",))
    person = members_of(db, household)[0]
    visit(db, actors("grid1"), city_round, household, members=[fever(person)])
    visit(db, actors("grid1"), city_round, household, members=[
        MemberCheck(person_id=person.id, symptoms=[Symptom.FEVER, Symptom.COUGH],
                    case_contact=True)])
    rows = db.scalars(select(FollowUp).where(FollowUp.person_id == person.id)).all()
    assert len(rows) == 1
    assert rows[0].reasons == ["fever", "symptoms", "case_contact"]


def test_a_visit_is_audited(db: Session, actors, city_round: ScreeningRound) -> None:
    household = make_household(db)
    recorded = visit(db, actors("grid1"), city_round, household)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.resource == "visit",
                                                AuditEntry.record_id == str(recorded.id)))
    assert entry is not None
    assert (entry.action, entry.area_code, entry.actor_name) == ("create", GRID1, "grid1")
    assert entry.detail["outcome"] == "visited"


def test_maintained_counters_equal_counters_rebuilt_from_the_visits(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    """Random visits over days, workers and outcomes; then recompute everything in SQL."""
    rng = random.Random(7)  # noqa: S311 - test data
    households = [make_household(db, grid, members=("甲", "乙")[: rng.randint(1, 2)])
                  for grid in (GRID1, GRID1, GRID1_NEIGHBOUR, GRID1_NEIGHBOUR, GRID2, GRID2)]
    workers = [actors("admin"), actors("city"), actors("nanguan")]
    for _ in range(25):
        household = rng.choice(households)
        outcome = rng.choice(list(Outcome))
        actor = rng.choice(workers if household.area_code != GRID2 else workers[:2])
        back = rng.randint(0, 3)
        at = at_local(today() - timedelta(days=back), rng.randint(8, 20)) if back else None
        visit(db, actor, city_round, household, outcome, at=at)
    maintained = (counters(db, city_round.id), daily(db, city_round.id))
    do_rebuild_coverage(db, round_=city_round, zone=ZONE)
    db.expire_all()
    assert (counters(db, city_round.id), daily(db, city_round.id)) == maintained
    assert sum(visits for _, visits in maintained[1].values()) == 25
    reached = sum(reached for reached, _ in maintained[1].values())
    assert reached == len({v.household_id for v in db.scalars(select(HouseholdStatus))
                           if v.round_id == city_round.id})


def test_a_person_count_of_the_registry_is_left_alone(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    persons = db.scalar(select(GridCounter.persons).where(GridCounter.area_code == GRID1))
    visit(db, actors("grid1"), city_round, household)
    assert db.scalar(select(GridCounter.persons).where(GridCounter.area_code == GRID1)) == persons
    assert db.scalar(select(Person.id).where(Person.household_id == household.id)) is not None
