"""The "to place" list: screening follow-ups and arrivals whose rule needs a measure, one list
per community, a person once; one click starts the measure and closes the sources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from quarantine_helpers import GRID1, GRID1_NEIGHBOUR, make_household, members_of, today
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.demo import do_seed_demo_arrivals_policy
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.registration import check_register_arrivals, public_actor
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.quarantine.placing import (
    NothingToPlace,
    do_place_arrival,
    do_place_follow_up,
    list_to_place,
)
from fangkong.quarantine.schemas import PlaceIn
from fangkong.registry.models import Household, Person
from fangkong.registry.validators import id_check_character
from fangkong.scope import SYSTEM, Actor
from fangkong.screening.actions import do_create_round, do_record_visit
from fangkong.screening.models import FollowUp, ScreeningRound
from fangkong.screening.schemas import MemberCheck, Outcome, RoundCreate
from fangkong.settings import Settings
from fangkong.web.forms import validate

Actors = Callable[[str], Actor]
COMMUNITY1 = GRID1[:12]


def id_number(serial: int) -> str:
    first17 = f"220102198001{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def arrive(db: Session, settings: Settings, *, name: str, serial: int, origin: str = "42",
           destination: str = COMMUNITY1) -> Arrival:
    """A traveller registering themselves, going to a community (Hubei: home quarantine)."""
    do_seed_demo_arrivals_policy(db)
    done = check_register_arrivals(
        db, actor=public_actor("10.0.0.9"), settings=settings, source=ArrivalSource.SELF,
        data=validate(ArrivalCreate, {
            "origin_code": origin, "destination_code": destination, "transport": "G1234",
            "destination_address": "南岭小区3栋", "people": [
                {"name": name, "id_number": id_number(serial), "phone": "13800138000"}]}))
    return done.arrivals[0]


def flag(db: Session, household: Household, person: Person, **reasons: object) -> FollowUp:
    """A screening visit that puts the person on the follow-up list."""
    round_ = db.scalars(select(ScreeningRound).where(ScreeningRound.name == "隔离测试轮")).first()
    if round_ is None:
        round_ = do_create_round(db, actor=SYSTEM, data=RoundCreate(
            name="隔离测试轮", area_code="2201", starts_on=today() - timedelta(days=1),
            ends_on=today() + timedelta(days=3)))
    do_record_visit(db, actor=SYSTEM, round=round_, household=household,
                    outcome=Outcome.VISITED,
                    members=[MemberCheck(person_id=person.id, **reasons)])
    return db.scalars(select(FollowUp).where(FollowUp.person_id == person.id)).one()


def test_follow_ups_and_arrivals_make_one_list_per_community(
    db: Session, settings: Settings, actors: Actors, household: Household
) -> None:
    contact, _other = members_of(db, household)
    flag(db, household, contact, case_contact=True)
    traveller = arrive(db, settings, name="武汉返乡", serial=1)
    neighbour_home = make_household(db, GRID1_NEIGHBOUR, members=("邻网格",))
    flag(db, neighbour_home, members_of(db, neighbour_home)[0], key_area_travel=True)
    rows = list_to_place(db, actors("grid1"))
    names = {row.name: row for row in rows}
    assert names[contact.name].kind == "centralised"
    assert names[contact.name].reasons == ["case_contact"]
    assert names["武汉返乡"].arrival is traveller  # left at the community: grid1 sees it
    assert names["武汉返乡"].kind == "home"
    assert names["武汉返乡"].days == 14
    assert "邻网格" not in names  # another grid's person
    assert {row.community for row in rows} == {COMMUNITY1}
    community_list = list_to_place(db, actors("nanling"))
    assert "邻网格" in {row.name for row in community_list}


def test_a_person_on_both_lists_appears_once(
    db: Session, settings: Settings, actors: Actors, household: Household
) -> None:
    person = members_of(db, household)[0]
    flag(db, household, person, temperature=Decimal("38.1"))
    arrival = arrive(db, settings, name=person.name, serial=2)
    arrival.person_id = person.id
    db.flush()
    rows = [row for row in list_to_place(db, actors("grid1")) if row.person_id == person.id]
    assert len(rows) == 1
    assert rows[0].kind == "home"  # stricter than fever's monitoring
    assert rows[0].follow_up is not None
    assert rows[0].arrival is arrival
    do_place_follow_up(db, actor=actors("grid1"), follow_up=rows[0].follow_up, data=PlaceIn())
    assert arrival.status == "placed"
    assert not [row for row in list_to_place(db, actors("grid1")) if row.person_id == person.id]


def test_placing_an_arrival_registers_the_person_and_links_back(
    db: Session, settings: Settings, actors: Actors
) -> None:
    arrival = arrive(db, settings, name="温州来长", serial=3, origin="3303")  # monitoring
    grid1 = actors("grid1")
    quarantine = do_place_arrival(db, actor=grid1, arrival=arrival, data=PlaceIn())
    person = db.get(Person, arrival.person_id)
    assert person is not None
    assert (person.name, person.area_code, person.id_number) == ("温州来长", GRID1, id_number(3))
    assert arrival.status == "placed"
    assert (quarantine.kind, quarantine.source, quarantine.source_id) == (
        "monitoring", "arrival", arrival.id)
    assert quarantine.planned_end == quarantine.starts_on + timedelta(days=14)
    assert quarantine.home_address == "南岭小区3栋"
    with pytest.raises(NothingToPlace):
        do_place_arrival(db, actor=grid1, arrival=arrival, data=PlaceIn())


def test_an_arrival_already_in_the_registry_is_linked_not_duplicated(
    db: Session, settings: Settings, actors: Actors, household: Household
) -> None:
    person = members_of(db, household)[0]
    person.id_number = id_number(4)
    db.flush()
    arrival = arrive(db, settings, name=person.name, serial=4)
    do_place_arrival(db, actor=actors("grid1"), arrival=arrival, data=PlaceIn())
    assert arrival.person_id == person.id


def test_placing_a_follow_up_handles_it(
    db: Session, actors: Actors, household: Household
) -> None:
    person = members_of(db, household)[1]
    follow_up = flag(db, household, person, key_area_travel=True)
    quarantine = do_place_follow_up(db, actor=actors("grid1"), follow_up=follow_up,
                                    data=PlaceIn(kind="monitoring"))
    assert quarantine.kind == "monitoring"  # the worker's choice over the default (home)
    assert follow_up.status == "handled"
    assert str(quarantine.id) in follow_up.handled_note
