"""Rounds: created in one's own area, edited and closed by those above them, run in sequence,
each with its own coverage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from screening_helpers import (
    GRID1,
    at_local,
    fever,
    make_household,
    make_round,
    members_of,
    today,
    visit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.errors import Forbidden
from fangkong.screening.actions import (
    RoundHasVisits,
    RoundInvalid,
    RoundOverlaps,
    do_close_round,
    do_delete_round,
    do_update_round,
)
from fangkong.screening.models import ScreeningRound
from fangkong.screening.queries import area_figures, list_open_follow_ups, list_rounds
from fangkong.screening.schemas import RoundUpdate


def test_a_round_lies_in_the_creators_area(db: Session, actors) -> None:
    with pytest.raises(RoundInvalid) as caught:
        make_round(db, area="220104", actor=actors("nanguan"))
    assert "area_code" in caught.value.fields
    with pytest.raises(RoundInvalid) as backwards:
        make_round(db, area="220102", starts=3, ends=1, actor=actors("nanguan"))
    assert "ends_on" in backwards.value.fields
    created = make_round(db, area="220102001", actor=actors("nanguan"))
    entry = db.scalar(select(AuditEntry).where(AuditEntry.resource == "screening_round",
                                                AuditEntry.record_id == str(created.id)))
    assert entry is not None
    assert entry.actor_name == "nanguan"


def test_only_those_above_a_round_change_it(db: Session, actors, city_round: ScreeningRound,
                                            ) -> None:
    with pytest.raises(Forbidden):
        do_close_round(db, actor=actors("nanguan"), round_=city_round)
    with pytest.raises(Forbidden):
        do_update_round(db, actor=actors("nanling"), round_=city_round,
                        data=RoundUpdate(name="改"))
    do_update_round(db, actor=actors("city"), round_=city_round, data=RoundUpdate(name="改"))
    assert city_round.name == "改"


def test_rounds_run_in_sequence_each_with_its_own_coverage(db: Session, actors) -> None:
    household = make_household(db)
    other = make_household(db)
    first = make_round(db, name="第一轮", starts=-6, ends=-1)
    with pytest.raises(RoundOverlaps):
        make_round(db, area="220102", name="重叠", starts=-2, ends=2)
    second = make_round(db, name="第二轮", starts=0, ends=6)
    yesterday = today() - timedelta(days=1)
    visit(db, actors("grid1"), first, household, at=at_local(yesterday, 10))
    visit(db, actors("grid1"), first, other, at=at_local(yesterday, 11))
    do_close_round(db, actor=actors("admin"), round_=first)
    visit(db, actors("grid1"), second, household)
    assert area_figures(db, round_id=first.id, area_code=GRID1).reached == 2
    assert area_figures(db, round_id=second.id, area_code=GRID1).reached == 1
    names = [round_.name for round_ in list_rounds(db, actors("grid1"))]
    assert names == ["第二轮", "第一轮"]
    assert list_rounds(db, actors("grid2"), status="active")[0].name == "第二轮"
    assert [round_.name for round_ in list_rounds(db, actors("nanling"))] == ["第二轮", "第一轮"]


def test_a_round_with_visits_is_closed_not_deleted(db: Session, actors,
                                                   city_round: ScreeningRound) -> None:
    visit(db, actors("grid1"), city_round, make_household(db))
    with pytest.raises(RoundHasVisits):
        do_delete_round(db, actor=actors("admin"), round_=city_round)
    empty = make_round(db, area="2201", name="误建", starts=10, ends=12)
    do_delete_round(db, actor=actors("admin"), round_=empty)
    assert db.get(ScreeningRound, empty.id) is None


def test_open_follow_ups_for_the_modules_that_pick_them_up(
    db: Session, actors, city_round: ScreeningRound,
) -> None:
    household = make_household(db)
    person = members_of(db, household)[0]
    visit(db, actors("grid1"), city_round, household, members=[fever(person)])
    community = GRID1[:12]
    assert [row.person_id for row in list_open_follow_ups(db, actors("nanling"), community)] == [
        person.id]
    assert list_open_follow_ups(db, actors("grid2"), "") == []
    assert list_open_follow_ups(db, actors("nanling"), "220104") == []
