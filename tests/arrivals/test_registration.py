"""Registration: a group in one go, the rule of the origin, routing, merging, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from arrivals_helpers import (
    COMMUNITY1,
    GRID1,
    WENZHOU,
    actor,
    id_number,
    person,
    recently,
    registry_person,
    trip,
    wrong_check,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.registration import (
    SELF_LIMIT_PER_HOUR,
    ArrivalInvalid,
    TooManyRegistrations,
    check_register_arrivals,
    public_actor,
)
from fangkong.arrivals.routing import DestinationInvalid
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.counters import DailyCounter, local_day
from fangkong.errors import Invalid, NotFound
from fangkong.settings import Settings
from fangkong.web.forms import validate

COMMUNITY2 = "220102001002"  # used by no other test: its counters are this test's alone


def register(db: Session, settings: Settings, data: dict, *, who: str = "checkpoint",
             source: ArrivalSource = ArrivalSource.STAFF, checkpoint: Checkpoint | None = None,
             addr: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    the_actor = public_actor(addr) if source is ArrivalSource.SELF else actor(db, who)
    return check_register_arrivals(db, actor=the_actor, settings=settings,
                                   data=validate(ArrivalCreate, data), source=source,
                                   checkpoint=checkpoint)


def count_arrivals(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Arrival)) or 0


def test_a_family_of_three_registered_together(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    data = trip(person(1), person(2, phone=None), person(3, phone=None, temperature="36.9"),
                checkpoint_id=station.id, destination_code=COMMUNITY2,
                arrived_at=recently().isoformat())
    done = register(policy, settings, data)
    assert len(done.arrivals) == 3
    assert {row.group_code for row in done.arrivals} == {done.group_code}
    first = done.arrivals[0]
    assert (first.origin_risk, first.rule_action, first.area_code) == (
        "high", "home_quarantine", COMMUNITY2)
    assert first.checkpoint_id == station.id
    assert first.source == "staff"
    assert done.arrivals[2].temperature == Decimal("36.9")
    assert len({row.confirmation_code for row in done.arrivals}) == 3
    assert first.contact_due_at is not None
    assert first.contact_due_at - first.created_at == timedelta(hours=24)
    day = local_day(first.arrived_at, settings)
    counted = dict(policy.execute(select(DailyCounter.metric, DailyCounter.value).where(
        DailyCounter.area_code == COMMUNITY2, DailyCounter.day == day)).all())
    assert counted["arrivals.total"] == 3
    assert counted["arrivals.risk.high"] == 3
    assert counted["arrivals.staff"] == 3


def test_routing_by_registry_then_district(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    known = registry_person(policy, 50)
    done = register(policy, settings, trip(
        person(50), person(51, phone=None), checkpoint_id=station.id, origin_code=WENZHOU))
    home, companion = done.arrivals
    assert (home.area_code, home.person_id, home.household_id) == (
        GRID1, known.id, known.household_id)
    assert companion.area_code == GRID1  # goes with the family
    assert home.origin_risk == "medium"
    assert home.rule_action == "health_monitoring"
    nowhere = register(policy, settings, trip(person(52), checkpoint_id=station.id,
                                              destination_address=""))
    assert nowhere.arrivals[0].area_code == "220103"  # the checkpoint's district
    chosen = register(policy, settings, trip(person(53), checkpoint_id=station.id,
                                             district_code="220104 朝阳区"))
    assert chosen.arrivals[0].area_code == "220104"


def test_bad_rows_name_the_field_and_row_and_store_nothing(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    before = count_arrivals(policy)
    bad = trip(person(1), person(2, id_number=wrong_check(id_number(2))),
               person(3, temperature="45"), checkpoint_id=station.id)
    with pytest.raises(Invalid) as raised:
        register(policy, settings, bad)
    assert set(raised.value.fields) == {"people.1.id_number", "people.2.temperature"}
    assert "check character" in raised.value.fields["people.1.id_number"]
    assert "34 and 43" in raised.value.fields["people.2.temperature"]
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    with pytest.raises(ArrivalInvalid) as raised:
        register(policy, settings, trip(person(1), checkpoint_id=station.id, arrived_at=future))
    assert set(raised.value.fields) == {"arrived_at"}
    with pytest.raises(ArrivalInvalid) as raised:
        register(policy, settings, trip(person(1, temperature=None), person(1, phone=None),
                                        checkpoint_id=station.id))
    assert set(raised.value.fields) == {"people.0.temperature", "people.1.id_number"}
    with pytest.raises(DestinationInvalid):
        register(policy, settings, trip(person(1), checkpoint_id=station.id,
                                        destination_code="220102001"))  # a street
    assert count_arrivals(policy) == before


def test_staff_register_only_at_their_checkpoints(
    policy: Session, settings: Settings, airport: Checkpoint
) -> None:
    with pytest.raises(NotFound):
        register(policy, settings, trip(person(1), checkpoint_id=airport.id))
    with pytest.raises(ArrivalInvalid):
        register(policy, settings, trip(person(1)))  # no checkpoint chosen


def test_the_same_trip_twice_is_merged(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    when = recently(90).isoformat()
    before = count_arrivals(policy)
    totals_before = totals_on(policy, settings, recently(90))
    own = register(policy, settings, trip(person(7, temperature="36.2"), arrived_at=when,
                                          district_code="220103", transport=""),
                   source=ArrivalSource.SELF, checkpoint=station)
    again = register(policy, settings, trip(person(7, phone="13900139000", temperature="38.0"),
                                            arrived_at=when, district_code="220103",
                                            transport="K7"),
                     source=ArrivalSource.SELF, checkpoint=station)
    assert again.merged == [own.arrivals[0].id]
    row = own.arrivals[0]
    assert (row.phone, row.temperature, row.transport) == ("13800138000", Decimal("36.2"), "K7")
    staff = register(policy, settings, trip(person(7, temperature="37.9"), arrived_at=when,
                                            checkpoint_id=station.id,
                                            destination_code=COMMUNITY1))
    assert staff.merged == [row.id]
    assert row.temperature == Decimal("37.9")  # the staff's measurement counts
    assert row.area_code == COMMUNITY1  # from the district's queue to the community
    assert count_arrivals(policy) == before + 1
    totals = totals_on(policy, settings, row.arrived_at)
    assert totals.get("220103", 0) - totals_before.get("220103", 0) == 0
    assert totals.get(COMMUNITY1, 0) - totals_before.get(COMMUNITY1, 0) == 1


def totals_on(db: Session, settings: Settings, moment: datetime) -> dict[str, int]:
    day = local_day(moment, settings)
    return dict(db.execute(select(DailyCounter.area_code, DailyCounter.value).where(
        DailyCounter.metric == "arrivals.total", DailyCounter.day == day)).all())


def test_self_registration_is_rate_limited_per_address(
    policy: Session, settings: Settings, station: Checkpoint
) -> None:
    for serial in range(SELF_LIMIT_PER_HOUR):
        register(policy, settings, trip(person(100 + serial), district_code="220103"),
                 source=ArrivalSource.SELF, checkpoint=station, addr="10.9.9.9")
    with pytest.raises(TooManyRegistrations):
        register(policy, settings, trip(person(200), district_code="220103"),
                 source=ArrivalSource.SELF, checkpoint=station, addr="10.9.9.9")
    other = register(policy, settings, trip(person(201), district_code="220103"),
                     source=ArrivalSource.SELF, addr="10.9.9.10")
    assert other.arrivals[0].checkpoint_id is None
    assert other.arrivals[0].client_addr == "10.9.9.10"


def test_passports_and_old_cards(policy: Session, settings: Settings, station: Checkpoint) -> None:
    legacy = id_number(5)[:6] + id_number(5)[8:17]  # the 15-digit first-generation form
    done = register(policy, settings, trip(
        person(5, id_number=legacy), person(6, id_type="passport", id_number="e 1234567",
                                            phone=None),
        checkpoint_id=station.id, district_code="220103"))
    assert done.arrivals[0].id_number == id_number(5)
    assert (done.arrivals[1].id_type, done.arrivals[1].id_number) == ("passport", "E1234567")
    with pytest.raises(Invalid) as raised:
        register(policy, settings, trip(person(6, id_type="passport", id_number="年"),
                                        checkpoint_id=station.id))
    assert set(raised.value.fields) == {"people.0.id_number"}


def test_arrival_long_ago_is_refused(policy: Session, settings: Settings,
                                     station: Checkpoint) -> None:
    with pytest.raises(ArrivalInvalid) as raised:
        register(policy, settings, trip(person(1), checkpoint_id=station.id,
                                        arrived_at=date(2020, 1, 1).isoformat() + "T10:00"))
    assert set(raised.value.fields) == {"arrived_at"}
