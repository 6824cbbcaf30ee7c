"""Changes to areas and leaders: scoped, permission-checked, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.areas.actions import (
    AreaExists,
    AreaInvalid,
    UnknownArea,
    do_create_area,
    do_create_leader,
    do_delete_leader,
    do_update_area,
    do_update_leader,
)
from fangkong.areas.models import Area, Leader
from fangkong.areas.schemas import AreaCreate, AreaUpdate, LeaderCreate, LeaderDuty, LeaderUpdate
from fangkong.errors import Forbidden, NotFound
from fangkong.permissions import Role
from fangkong.scope import SYSTEM, Actor

NANGUAN = Actor(user_id=None, username="nanguan", role=Role.COMMANDER, area_code="220102")
GRID1 = Actor(user_id=None, username="grid1", role=Role.GRID_WORKER,
              area_code="220102001001001")


def audits(db: Session, resource: str, record_id: object) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(
        AuditEntry.resource == resource, AuditEntry.record_id == str(record_id),
    ).order_by(AuditEntry.id)))


def test_create_area_below_its_parent(db: Session) -> None:
    area = do_create_area(db, actor=SYSTEM, data=AreaCreate(
        code="220102001003", name="新建社区", level="community", parent_code="220102001"))
    assert area.pinyin == "xjsq"
    assert [entry.action for entry in audits(db, "area", "220102001003")] == ["create"]
    with pytest.raises(AreaExists):
        do_create_area(db, actor=SYSTEM, data=AreaCreate(
            code="220102001003", name="又一个", level="community", parent_code="220102001"))


def test_create_area_checks_level_and_code(db: Session) -> None:
    with pytest.raises(AreaInvalid) as caught:
        do_create_area(db, actor=SYSTEM, data=AreaCreate(
            code="220103001003", name="错位社区", level="community", parent_code="220102001"))
    assert set(caught.value.fields) == {"code"}


def test_only_area_writers_create_areas(db: Session) -> None:
    with pytest.raises(Forbidden):
        do_create_area(db, actor=NANGUAN, data=AreaCreate(
            code="220102001003", name="新建社区", level="community", parent_code="220102001"))


def test_update_area_name_and_population(db: Session) -> None:
    area = db.get(Area, "220102001001")
    assert area is not None
    do_update_area(db, actor=SYSTEM, area=area, data=AreaUpdate(name="南岭新村", population=3000))
    assert (area.name, area.population, area.pinyin) == ("南岭新村", 3000, "nlxc")
    (entry,) = audits(db, "area", area.code)
    assert entry.action == "update"
    assert entry.detail["population"][1] == 3000
    do_update_area(db, actor=SYSTEM, area=area, data=AreaUpdate(name="南岭新村"))
    assert area.population == 3000
    assert len(audits(db, "area", area.code)) == 1  # nothing changed, nothing written


def test_only_area_writers_update_areas(db: Session) -> None:
    area = db.get(Area, "220104")
    assert area is not None
    with pytest.raises(Forbidden):
        do_update_area(db, actor=NANGUAN, area=area, data=AreaUpdate(population=1))


def test_leader_lifecycle_is_audited(db: Session) -> None:
    leader = do_create_leader(db, actor=NANGUAN, data=LeaderCreate(
        area_code="220102001", name="周强", title="包保领导", phone="13900000000",
        duty=LeaderDuty.RESPONSIBLE))
    assert leader.id is not None
    do_update_leader(db, actor=NANGUAN, leader=leader, data=LeaderUpdate(
        phone=None, duty=LeaderDuty.SECRETARY, name=None))
    assert (leader.name, leader.phone, leader.duty) == ("周强", "", "secretary")
    leader_id = leader.id
    do_delete_leader(db, actor=NANGUAN, leader=leader)
    assert db.get(Leader, leader_id) is None
    entries = audits(db, "leader", leader_id)
    assert [entry.action for entry in entries] == ["create", "update", "delete"]
    assert entries[1].detail == {"phone": ["13900000000", ""], "duty": ["responsible",
                                                                       "secretary"]}
    assert entries[2].detail["name"] == "周强"
    assert {entry.area_code for entry in entries} == {"220102001"}


def test_leader_outside_scope_cannot_be_created_or_changed(db: Session) -> None:
    with pytest.raises(UnknownArea) as caught:
        do_create_leader(db, actor=NANGUAN, data=LeaderCreate(area_code="220104", name="某人"))
    assert caught.value.fields == {"area_code": "There is no area with this code."}
    with pytest.raises(UnknownArea):
        do_create_leader(db, actor=SYSTEM, data=LeaderCreate(area_code="220199", name="某人"))
    other = do_create_leader(db, actor=SYSTEM, data=LeaderCreate(area_code="220104", name="某人"))
    with pytest.raises(NotFound):
        do_update_leader(db, actor=NANGUAN, leader=other, data=LeaderUpdate(name="改名"))
    with pytest.raises(NotFound):
        do_delete_leader(db, actor=NANGUAN, leader=other)
    assert other.name == "某人"


def test_grid_worker_cannot_write_leaders(db: Session) -> None:
    with pytest.raises(Forbidden):
        do_create_leader(db, actor=GRID1, data=LeaderCreate(
            area_code="220102001001001", name="某人"))
