"""Registry actions: validation on entry, one person once, moves, merges, tags, counters."""

from __future__ import annotations

from datetime import date

import pytest
from registry_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    actor_of,
    make_household,
    make_person,
    resident_id,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.errors import Forbidden, Invalid
from fangkong.permissions import Role
from fangkong.registry import actions
from fangkong.registry.actions import (
    DuplicateId,
    MergeRefused,
    MoveInvalid,
    PersonRetired,
    PlaceInvalid,
    do_create_person,
    do_merge_persons,
    do_move_person,
    do_record_view,
    do_set_status,
    do_set_tags,
    do_update_household,
    do_update_person,
)
from fangkong.registry.codes import PersonStatus, Tag
from fangkong.registry.models import Household, Person, PersonMerge, PersonMove, PersonTag
from fangkong.registry.queries import get_grid_counter
from fangkong.registry.schemas import HouseholdUpdate, PersonCreate, PersonUpdate
from fangkong.registry.validators import IdMismatch
from fangkong.scope import Actor


def counter(db: Session, grid: str) -> tuple[int, int, dict[str, int]]:
    row = get_grid_counter(db, grid)
    return (row.households, row.persons, row.tags) if row else (0, 0, {})


def members(db: Session, household: Household) -> int:
    db.refresh(household)
    return household.members


def test_household_gets_a_code_of_its_grid_and_is_counted(db: Session) -> None:
    first = make_household(db, phone="0431 8888 1234", head_name="  王　芳 ")
    second = make_household(db, address="人民大街2号")
    assert first.code == f"{GRID1}-00001"
    assert second.code == f"{GRID1}-00002"
    assert first.phone == "0431-88881234"
    assert first.head_name == "王 芳"
    assert counter(db, GRID1)[0] == 2


def test_a_code_drawn_by_another_worker_at_the_same_time_takes_the_next_number(
    db: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers of one grid draw the same number at once (PostgreSQL does not serialise
    them): the second insert meets the first's code and takes the number after it."""
    first = make_household(db)
    drawn = iter([first.code])
    real = actions.next_household_code
    monkeypatch.setattr(actions, "next_household_code",
                        lambda session, grid: next(drawn, None) or real(session, grid))
    second = make_household(db, address="人民大街2号")
    assert second.code == f"{GRID1}-00002"
    assert counter(db, GRID1)[0] == 2
    assert db.scalar(select(Household).where(Household.code == first.code)) is first


def test_household_must_be_in_a_grid_inside_the_actors_area(db: Session) -> None:
    from fangkong.registry.actions import do_create_household  # noqa: PLC0415
    from fangkong.registry.schemas import HouseholdCreate  # noqa: PLC0415

    with pytest.raises(PlaceInvalid) as outside:
        do_create_household(db, actor=actor_of(db, "grid1"), data=HouseholdCreate(
            area_code=GRID2, address="x"))
    assert "area_code" in outside.value.fields
    with pytest.raises(PlaceInvalid):  # a community is not a grid
        do_create_household(db, actor=actor_of(db, "admin"), data=HouseholdCreate(
            area_code="220102001001", address="x"))


def test_person_is_normalised_and_derives_birth_and_sex_from_the_id(db: Session) -> None:
    number = resident_id(date(1956, 3, 9), 123)
    person = make_person(db, name="  阿依古丽 . 买买提 ", id_number=number.lower().replace(
        "x", "x"), phone="+86 138-0431-5678")
    assert person.name == "阿依古丽·买买提"
    assert person.id_number == number
    assert person.birth_date == date(1956, 3, 9)
    assert person.sex == "male"
    assert person.phone == "13804315678"


def test_a_first_generation_id_is_upgraded_to_18_characters(db: Session) -> None:
    number = resident_id(date(1956, 3, 9), 124)
    legacy = number[:6] + number[8:17]
    person = make_person(db, id_number=legacy)
    assert person.id_number == number
    assert person.sex == "female"


def test_entered_birth_date_and_sex_must_agree_with_the_id(db: Session) -> None:
    number = resident_id(date(1956, 3, 9), 123)
    with pytest.raises(IdMismatch) as error:
        make_person(db, id_number=number, birth_date="1956-03-10", sex="female")
    assert set(error.value.fields) == {"birth_date", "sex"}


def test_several_bad_fields_are_reported_together(db: Session) -> None:
    with pytest.raises(Invalid) as error:
        make_person(db, name="张3", id_number="220102195603091230", phone="12345")
    assert {"name", "id_number", "phone"} <= set(error.value.fields)


def test_a_resident_id_is_registered_once_city_wide(db: Session) -> None:
    number = resident_id(date(1980, 1, 2), 55)
    existing = make_person(db, make_household(db), name="李娜", id_number=number)
    with pytest.raises(DuplicateId) as inside:
        do_create_person(db, actor=actor_of(db, "nanguan"), data=PersonCreate(
            name="李娜", area_code=GRID1, id_number=number))
    assert inside.value.existing_id == existing.id
    assert inside.value.params["name"] == "李娜"
    assert inside.value.code == "registry.duplicate_id"
    grid2_household = make_household(db, GRID2, "解放大路9号")
    with pytest.raises(DuplicateId) as outside:
        do_create_person(db, actor=actor_of(db, "grid2"), data=PersonCreate(
            name="李娜", household_id=grid2_household.id, id_number=number))
    assert outside.value.existing_id is None
    assert outside.value.params == {}
    assert "李娜" not in outside.value.message
    assert db.scalar(select(Person).where(Person.name == "李娜", Person.area_code == GRID2)) \
        is None


def test_creating_a_person_counts_them_and_their_tags_and_is_audited(db: Session) -> None:
    household = make_household(db)
    person = make_person(db, household, relation="head", tags=["elderly_alone", "chronic"])
    assert counter(db, GRID1) == (1, 1, {"chronic": 1, "elderly_alone": 1})
    assert members(db, household) == 1
    assert household.head_name == "张伟"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.resource == "person",
                                               AuditEntry.record_id == str(person.id)))
    assert entry is not None
    assert entry.action == "create"
    assert entry.area_code == GRID1


def test_audit_detail_holds_no_full_id_number_or_phone(db: Session) -> None:
    number = resident_id(date(1990, 5, 6), 77)
    person = make_person(db, id_number=number, phone="13812345678")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.resource == "person",
                                               AuditEntry.record_id == str(person.id)))
    assert entry is not None
    assert number not in str(entry.detail)
    assert entry.detail["phone"] == "138****5678"


def test_update_person_rechecks_and_reports_changes(db: Session) -> None:
    person = make_person(db, tags=["infant"])
    do_update_person(db, actor=actor_of(db, "grid1"), person=person, data=PersonUpdate(
        occupation="  一汽　工人 ", phone="13900001111", tags=[Tag.DISABLED]))
    assert person.occupation == "一汽 工人"
    assert person.phone == "13900001111"
    assert counter(db, GRID1)[2] == {"disabled": 1}
    do_update_person(db, actor=actor_of(db, "grid1"), person=person,
                     data=PersonUpdate.model_validate({"phone": None}))
    assert person.phone == ""
    with pytest.raises(Invalid):
        do_update_person(db, actor=actor_of(db, "grid1"), person=person,
                         data=PersonUpdate(id_number="220102195603091230"))


def test_update_cannot_take_an_id_number_held_by_another(db: Session) -> None:
    number = resident_id(date(1970, 7, 7), 31)
    make_person(db, name="赵军", id_number=number)
    other = make_person(db, name="孙丽")
    with pytest.raises(DuplicateId):
        do_update_person(db, actor=actor_of(db, "grid1"), person=other,
                         data=PersonUpdate(id_number=number))


def test_set_tags_adjusts_counters(db: Session) -> None:
    person = make_person(db, tags=["pregnant"])
    do_set_tags(db, actor=actor_of(db, "grid1"), person=person, tags={Tag.LOW_INCOME, Tag.DISABLED})
    assert counter(db, GRID1)[2] == {"disabled": 1, "low_income": 1}
    rows = db.scalars(select(PersonTag.tag).where(PersonTag.person_id == person.id))
    assert set(rows) == {"disabled", "low_income"}


def test_move_to_another_grid_keeps_one_record_with_history(db: Session) -> None:
    home = make_household(db)
    there = make_household(db, GRID1_NEIGHBOUR, "自由大路3号")
    person = make_person(db, home, tags=["chronic"])
    move = do_move_person(db, actor=actor_of(db, "nanling"), person=person, household=there,
                          reason="搬家")
    assert (person.household_id, person.area_code) == (there.id, GRID1_NEIGHBOUR)
    assert (move.from_household_id, move.from_area_code) == (home.id, GRID1)
    assert members(db, home) == 0
    assert members(db, there) == 1
    assert counter(db, GRID1) == (1, 0, {})
    assert counter(db, GRID1_NEIGHBOUR) == (1, 1, {"chronic": 1})
    assert db.scalar(select(PersonTag.area_code).where(PersonTag.person_id == person.id)) \
        == GRID1_NEIGHBOUR
    assert len(list(db.scalars(select(PersonMove).where(PersonMove.person_id == person.id)))) \
        == 1
    with pytest.raises(MoveInvalid):
        do_move_person(db, actor=actor_of(db, "nanling"), person=person, household=there)


def test_a_grid_worker_cannot_move_a_person_out_of_their_grid(db: Session) -> None:
    person = make_person(db, make_household(db))
    there = make_household(db, GRID1_NEIGHBOUR, "自由大路3号")
    with pytest.raises(PlaceInvalid):
        do_move_person(db, actor=actor_of(db, "grid1"), person=person, household=there)
    assert person.area_code == GRID1


def test_moved_out_and_back_adjusts_counts(db: Session) -> None:
    household = make_household(db)
    person = make_person(db, household, tags=["infant"])
    do_set_status(db, actor=actor_of(db, "grid1"), person=person, status=PersonStatus.MOVED_OUT)
    assert counter(db, GRID1) == (1, 0, {})
    assert members(db, household) == 0
    do_set_status(db, actor=actor_of(db, "grid1"), person=person, status=PersonStatus.ACTIVE)
    assert counter(db, GRID1) == (1, 1, {"infant": 1})
    assert members(db, household) == 1


def test_merge_keeps_everything_and_retires_the_duplicate(db: Session) -> None:
    home, other = make_household(db), make_household(db, address="人民大街5号")
    number = resident_id(date(1950, 2, 3), 11)
    kept = make_person(db, home, name="刘强", phone="13811112222", birth_date="1950-02-03",
                       tags=["chronic"])
    duplicate = make_person(db, other, name="刘强", id_number=number, occupation="退休",
                            tags=["elderly_alone"], notes="独居")
    record = do_merge_persons(db, actor=actor_of(db, "grid1"), kept=kept, merged=duplicate)
    assert duplicate.status == "merged"
    assert duplicate.merged_into_id == kept.id
    assert duplicate.id_number is None
    assert kept.id_number == number
    assert kept.occupation == "退休"
    assert "独居" in kept.notes
    assert record.snapshot["id_number"] == number
    assert record.snapshot["tags"] == ["elderly_alone"]
    assert record.snapshot["household_id"] == other.id
    assert set(db.scalars(select(PersonTag.tag).where(PersonTag.person_id == kept.id))) == {
        "chronic", "elderly_alone"}
    assert counter(db, GRID1) == (2, 1, {"chronic": 1, "elderly_alone": 1})
    assert members(db, other) == 0
    assert db.scalar(select(PersonMerge).where(PersonMerge.kept_id == kept.id)) is record
    with pytest.raises(PersonRetired):
        do_update_person(db, actor=actor_of(db, "grid1"), person=duplicate,
                         data=PersonUpdate(name="x"))


def test_merge_refuses_two_id_numbers_and_needs_the_permission(db: Session) -> None:
    first = make_person(db, id_number=resident_id(date(1960, 1, 1), 1))
    second = make_person(db, id_number=resident_id(date(1960, 1, 1), 3))
    with pytest.raises(MergeRefused):
        do_merge_persons(db, actor=actor_of(db, "grid1"), kept=first, merged=second)
    with pytest.raises(Forbidden):
        do_merge_persons(db, actor=actor_of(db, "hospital"), kept=first, merged=second)
    with pytest.raises(MergeRefused):
        do_merge_persons(db, actor=actor_of(db, "grid1"), kept=first, merged=first)


def test_update_household_normalises_and_audits(db: Session) -> None:
    household = make_household(db)
    do_update_household(db, actor=actor_of(db, "grid1"), household=household,
                        data=HouseholdUpdate(address=" 人民大街１号 ", phone="138 0000 1111"))
    assert household.address == "人民大街1号"
    assert household.phone == "13800001111"
    entries = db.scalars(select(AuditEntry.action).where(
        AuditEntry.resource == "household", AuditEntry.record_id == str(household.id))
        .order_by(AuditEntry.id))
    assert list(entries) == ["create", "update"]


def test_revealing_needs_the_identify_permission(db: Session) -> None:
    checkpoint = Actor(user_id=None, username="x", role=Role.CHECKPOINT, area_code=GRID1)
    with pytest.raises(Forbidden):
        do_record_view(db, actor=checkpoint, resource="person", record_id=1, area_code=GRID1,
                       revealed=True)
    do_record_view(db, actor=actor_of(db, "grid1"), resource="person", record_id=1,
                   area_code=GRID1, revealed=True)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "view"))
    assert entry is not None
    assert entry.detail == {"revealed": True}
