"""Key areas: the most specific region wins on a day, level changes keep their history."""

from __future__ import annotations

from datetime import date

import pytest
from arrivals_helpers import actor
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.arrivals.actions import (
    KeyAreaClosed,
    KeyAreaExists,
    KeyAreaInvalid,
    do_add_key_area,
    do_change_key_area_level,
    do_close_key_area,
    do_set_rule,
)
from fangkong.arrivals.codes import RiskLevel, RuleAction
from fangkong.arrivals.demo import do_seed_demo_arrivals_policy
from fangkong.arrivals.models import ArrivalRule, KeyArea
from fangkong.arrivals.queries import list_key_areas
from fangkong.arrivals.risk import assess_origin, risk_of
from fangkong.arrivals.schemas import KeyAreaChange, KeyAreaClose, KeyAreaCreate, RuleUpdate
from fangkong.errors import Forbidden
from fangkong.scope import SYSTEM


def current(db: Session, code: str) -> KeyArea:
    return db.scalars(select(KeyArea).where(KeyArea.division_code == code,
                                            KeyArea.valid_to.is_(None))).one()


def test_demo_policy_is_idempotent(policy: Session) -> None:
    assert do_seed_demo_arrivals_policy(policy) == 0
    assert current(policy, "42").risk_level == "high"
    assert current(policy, "42").name == "湖北省"
    assert {rule.risk_level for rule in policy.scalars(select(ArrivalRule))} == {
        "high", "medium", "low"}


@pytest.mark.parametrize(("code", "on", "expected"), [
    ("42", date(2020, 1, 23), "high"),
    ("420102", date(2020, 2, 1), "high"),  # a county of Wuhan: inside Hubei
    ("4201", date(2020, 1, 22), "none"),  # the day before
    ("330302", date(2020, 2, 1), "medium"),  # a county of Wenzhou
    ("33", date(2020, 2, 1), "none"),  # Zhejiang as a whole is not a key area
    ("2201", date(2020, 2, 1), "none"),
])
def test_risk_of_a_place_on_a_day(policy: Session, code: str, on: date, expected: str) -> None:
    assert risk_of(policy, code, on) == expected


def test_the_most_specific_key_area_wins(policy: Session) -> None:
    do_add_key_area(policy, actor=SYSTEM, data=KeyAreaCreate(
        division_code="330302", risk_level=RiskLevel.LOW, valid_from=date(2020, 2, 1)))
    assert risk_of(policy, "330302", date(2020, 2, 2)) == "low"  # county over city
    assert risk_of(policy, "330303", date(2020, 2, 2)) == "medium"
    assert risk_of(policy, "330302", date(2020, 1, 30)) == "medium"


def test_a_level_change_keeps_the_history(policy: Session) -> None:
    commander = actor(policy, "city")
    old = current(policy, "3303")
    new = do_change_key_area_level(policy, actor=commander, key_area=old, data=KeyAreaChange(
        risk_level=RiskLevel.LOW, valid_from=date(2020, 3, 1)))
    assert old.valid_to == date(2020, 2, 29)
    assert (new.risk_level, new.valid_from, new.valid_to) == ("low", date(2020, 3, 1), None)
    assert risk_of(policy, "3303", date(2020, 2, 29)) == "medium"
    assert risk_of(policy, "3303", date(2020, 3, 1)) == "low"
    do_close_key_area(policy, actor=commander, key_area=new,
                      data=KeyAreaClose(valid_from=date(2020, 3, 20)))
    assert risk_of(policy, "3303", date(2020, 3, 20)) == "none"
    history = [row for row in list_key_areas(policy) if row.division_code == "3303"]
    assert [row.risk_level for row in history] == ["medium", "low"]
    now_listed = {row.division_code for row in list_key_areas(policy, current_on=date(2020, 3, 25))}
    assert "3303" not in now_listed
    assert "42" in now_listed
    audited = policy.scalars(select(AuditEntry).where(AuditEntry.resource == "key_area",
                                                      AuditEntry.actor_name == "city")).all()
    assert len(audited) == 2


def test_key_area_mistakes_are_refused(policy: Session) -> None:
    commander = actor(policy, "city")
    with pytest.raises(KeyAreaExists):
        do_add_key_area(policy, actor=commander, data=KeyAreaCreate(
            division_code="42", risk_level=RiskLevel.MEDIUM, valid_from=date(2020, 2, 1)))
    hubei = current(policy, "42")
    with pytest.raises(KeyAreaInvalid) as raised:
        do_change_key_area_level(policy, actor=commander, key_area=hubei, data=KeyAreaChange(
            risk_level=RiskLevel.MEDIUM, valid_from=date(2020, 1, 1)))
    assert "valid_from" in raised.value.fields
    with pytest.raises(KeyAreaInvalid):
        do_change_key_area_level(policy, actor=commander, key_area=hubei, data=KeyAreaChange(
            risk_level=RiskLevel.HIGH, valid_from=date(2020, 3, 1)))
    do_close_key_area(policy, actor=commander, key_area=hubei,
                      data=KeyAreaClose(valid_from=date(2020, 4, 8)))
    with pytest.raises(KeyAreaClosed):
        do_close_key_area(policy, actor=commander, key_area=hubei,
                          data=KeyAreaClose(valid_from=date(2020, 4, 9)))
    with pytest.raises(Forbidden):
        do_add_key_area(policy, actor=actor(policy, "grid1"), data=KeyAreaCreate(
            division_code="11", risk_level=RiskLevel.LOW, valid_from=date(2020, 2, 1)))


def test_key_area_codes_come_from_the_picker(policy: Session) -> None:
    data = KeyAreaCreate.model_validate({"division_code": "4115 河南省 信阳市",
                                         "risk_level": "medium", "valid_from": "2020-02-01"})
    assert data.division_code == "4115"
    with pytest.raises(ValueError, match="Choose a province"):
        KeyAreaCreate.model_validate({"division_code": "9999", "risk_level": "medium",
                                      "valid_from": "2020-02-01"})


def test_origin_risk_counts_the_rule_window(policy: Session) -> None:
    """Medium until 29 Feb, low from 1 March: an arrival on 5 March came from a place that was
    of medium risk within the last 14 days."""
    do_change_key_area_level(policy, actor=SYSTEM, key_area=current(policy, "3303"),
                             data=KeyAreaChange(risk_level=RiskLevel.LOW,
                                                valid_from=date(2020, 3, 1)))
    early = assess_origin(policy, origin_code="330302", arrived_on=date(2020, 3, 5))
    assert (early.risk, early.action) == ("medium", "health_monitoring")
    late = assess_origin(policy, origin_code="330302", arrived_on=date(2020, 3, 20))
    assert (late.risk, late.action) == ("low", "none")
    hubei = assess_origin(policy, origin_code="420102", arrived_on=date(2020, 2, 3))
    assert (hubei.risk, hubei.action) == ("high", "home_quarantine")
    assert hubei.rule is not None
    assert hubei.rule.requires_test
    assert assess_origin(policy, origin_code="11", arrived_on=date(2020, 2, 3)).risk == "none"


def test_rules_are_policy_for_admins(policy: Session) -> None:
    with pytest.raises(Forbidden):
        do_set_rule(policy, actor=actor(policy, "city"), risk_level=RiskLevel.HIGH,
                    data=RuleUpdate(within_days=21, action=RuleAction.CENTRALISED_QUARANTINE,
                                    duration_days=21, requires_test=True))
    rule = do_set_rule(policy, actor=actor(policy, "admin"), risk_level=RiskLevel.HIGH,
                       data=RuleUpdate(within_days=21, action=RuleAction.CENTRALISED_QUARANTINE,
                                       duration_days=21, requires_test=True))
    assert (rule.within_days, rule.action) == (21, "centralised_quarantine")
    entry = policy.scalars(select(AuditEntry).where(AuditEntry.resource == "arrival_rule",
                                                    AuditEntry.actor_name == "admin")).one()
    assert entry.detail["within_days"] == [14, 21]
