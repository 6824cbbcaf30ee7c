"""Turning typed input into visits: the phone form's fields and the line list's compact text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.screening.entry import (
    EntryInvalid,
    all_well,
    fields_at_form_index,
    members_in_order,
    nested_form,
    parse_exceptions,
)
from fangkong.screening.schemas import MemberCheck, VisitCreate

HOUSEHOLD = [(11, "张伟"), (12, "李娜"), (13, "张小明")]


def test_nested_form_builds_the_schema_data() -> None:
    data = nested_form([
        ("csrf_token", "x"), ("outcome", "visited"), ("notes", "  "),
        ("members.0.person_id", "11"), ("members.0.present", "1"),
        ("members.0.symptoms", "cough"), ("members.0.symptoms", "fever"),
        ("members.3.new_person.name", "王五"), ("members.3.temperature", "37.0"),
    ])
    keys = members_in_order(data)
    assert keys == ["0", "3"]
    visit = VisitCreate.model_validate({**data, "household_id": 5})
    assert visit.members[0].symptoms == ["cough", "fever"]
    assert visit.members[1].new_person is not None
    assert visit.members[1].temperature == Decimal("37.0")
    assert "notes" not in data
    assert fields_at_form_index({"members.1.temperature": "x", "outcome": "y"}, keys) == {
        "members.3.temperature": "x", "outcome": "y"}


def test_all_well_is_every_member_present() -> None:
    lines = [MemberCheck.model_validate(line) for line in all_well([1, 2])]
    assert [(line.person_id, line.present, line.reasons()) for line in lines] == [
        (1, True, []), (2, True, [])]


def by_person(lines: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {line.get("person_id", "new"): line for line in lines}


def test_members_not_named_are_present_and_well() -> None:
    lines = parse_exceptions("", HOUSEHOLD)
    assert lines == [{"person_id": 11, "present": True}, {"person_id": 12, "present": True},
                     {"person_id": 13, "present": True}]


def test_exceptions_by_number_and_name() -> None:
    lines = by_person(parse_exceptions(
        "2 38.5 咳嗽、乏力; 张小明 外出:北京:2020-01-20；张伟：重点地区 接触", HOUSEHOLD))
    assert lines[12] == {"person_id": 12, "present": True, "temperature": Decimal("38.5"),
                         "symptoms": ["cough", "fatigue"]}
    assert lines[13] == {"person_id": 13, "present": False, "away_where": "北京",
                         "away_since": date(2020, 1, 20)}
    assert lines[11] == {"person_id": 11, "present": True, "key_area_travel": True,
                         "case_contact": True}


def test_a_new_person_with_phone_and_id() -> None:
    lines = parse_exceptions("+王五 13812345678 220102198001010013 37.9℃ fever", HOUSEHOLD)
    assert lines[-1] == {
        "new_person": {"name": "王五", "phone": "13812345678", "id_number": "220102198001010013"},
        "present": True, "temperature": Decimal("37.9"), "symptoms": ["fever"]}


@pytest.mark.parametrize(("text", "word"), [
    ("4 38", "4"), ("王芳 38", "王芳"), ("1 头疼", "头疼"), ("1 外出:上海:昨天", "昨天"),
])
def test_mistakes_name_the_word(text: str, word: str) -> None:
    with pytest.raises(EntryInvalid) as caught:
        parse_exceptions(text, HOUSEHOLD)
    assert "members" in caught.value.fields
    assert word in caught.value.params.values()


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        lines = parse_exceptions(text, HOUSEHOLD)
    except EntryInvalid:
        return
    assert len(lines) >= len(HOUSEHOLD)
