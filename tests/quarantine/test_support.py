"""生活保障: requests with deadlines from policy (urgent sooner), assigned to a person in the
area or by name, delivered (who, when) or cancelled, overdue ones flagged; support notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from quarantine_helpers import GRID1, members_of, today
from quarantine_helpers import quarantine as start
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.counters import DailyCounter
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.quarantine.actions import NotActive, do_end_early
from fangkong.quarantine.codes import SupportStatus
from fangkong.quarantine.models import Quarantine
from fangkong.quarantine.schemas import NoteCreate, SupportAssign, SupportCreate, SupportFilter
from fangkong.quarantine.support import (
    SupportClosed,
    SupportInvalid,
    do_add_note,
    do_assign_support,
    do_cancel_support,
    do_deliver_support,
    do_request_support,
    is_overdue,
    list_notes,
    support_counts,
    support_stmt,
)
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM, Actor

Actors = Callable[[str], Actor]


@pytest.fixture
def row(db: Session, household: Household) -> Quarantine:
    return start(db, members_of(db, household)[0])


def test_a_request_is_due_by_policy_and_urgent_sooner(
    db: Session, row: Quarantine, actors: Actors, household: Household
) -> None:
    now = utcnow()
    food = do_request_support(db, actor=actors("grid1"), quarantine=row, now=now,
                              data=SupportCreate(category="food", details="米面油"))
    medicine = do_request_support(db, actor=actors("grid1"), quarantine=row, now=now,
                                  data=SupportCreate(category="medicine", urgency="urgent",
                                                     details="降压药"))
    assert food.due_at == now + timedelta(hours=24)
    assert medicine.due_at == now + timedelta(hours=4)
    assert food.household_id == household.id
    assert food.area_code == GRID1
    counted = db.get(DailyCounter, (GRID1, today(), "support.requested"))
    assert counted is not None
    assert counted.value == 2


def test_assign_deliver_and_the_record_of_who_and_when(
    db: Session, row: Quarantine, actors: Actors
) -> None:
    grid1 = actors("grid1")
    request = do_request_support(db, actor=grid1, quarantine=row,
                                 data=SupportCreate(category="garbage"))
    user = get_user_by_username(db, "grid1")
    assert user is not None
    do_assign_support(db, actor=grid1, request=request,
                      data=SupportAssign(assignee_id=user.id))
    assert (request.status, request.assignee_name) == ("assigned", "网格员一")
    do_deliver_support(db, actor=grid1, request=request, note="已清运")
    assert request.status == SupportStatus.DELIVERED
    assert request.delivered_by_id == user.id
    assert request.delivered_at is not None
    with pytest.raises(SupportClosed):
        do_cancel_support(db, actor=grid1, request=request, reason="重复")


def test_an_assignee_outside_the_area_is_refused_a_name_is_taken(
    db: Session, row: Quarantine, actors: Actors
) -> None:
    request = do_request_support(db, actor=actors("grid1"), quarantine=row,
                                 data=SupportCreate(category="utilities", details="停暖"))
    far = get_user_by_username(db, "grid2")
    assert far is not None
    with pytest.raises(SupportInvalid):
        do_assign_support(db, actor=actors("grid1"), request=request,
                          data=SupportAssign(assignee_id=far.id))
    do_assign_support(db, actor=actors("grid1"), request=request,
                      data=SupportAssign(assignee_name="物业王师傅"))
    assert request.assignee_name == "物业王师傅"
    assert request.assignee_id is None
    do_cancel_support(db, actor=actors("grid1"), request=request, reason="已自行修复")
    assert request.status == "cancelled"
    assert request.outcome_note == "已自行修复"


def test_overdue_requests_are_flagged_and_listed_first(
    db: Session, row: Quarantine, actors: Actors
) -> None:
    grid1 = actors("grid1")
    late = do_request_support(db, actor=grid1, quarantine=row, now=utcnow() - timedelta(hours=30),
                              data=SupportCreate(category="food"))
    fresh = do_request_support(db, actor=grid1, quarantine=row,
                               data=SupportCreate(category="medicine"))
    now = utcnow()
    assert is_overdue(late, now)
    assert not is_overdue(fresh, now)
    listed = list(db.scalars(support_stmt(grid1, SupportFilter(), now)))
    assert listed[:2] == [late, fresh]
    overdue = list(db.scalars(support_stmt(grid1, SupportFilter(overdue=True), now)))
    assert overdue == [late]
    assert support_counts(db, grid1, now) == (2, 1)
    assert not list(db.scalars(support_stmt(actors("grid2"), SupportFilter(), now)))


def test_no_request_for_an_ended_quarantine_or_outside_the_area(
    db: Session, row: Quarantine, actors: Actors
) -> None:
    with pytest.raises(NotFound):
        do_request_support(db, actor=actors("grid2"), quarantine=row,
                           data=SupportCreate(category="food"))
    do_end_early(db, actor=SYSTEM, quarantine=row, reason="误录")
    with pytest.raises(NotActive):
        do_request_support(db, actor=actors("grid1"), quarantine=row,
                           data=SupportCreate(category="food"))


def test_support_notes_are_kept_per_person(db: Session, row: Quarantine, actors: Actors) -> None:
    do_add_note(db, actor=actors("grid1"), quarantine=row,
                data=NoteCreate(kind="persuasion", note="解释居家隔离政策，本人表示理解配合"))
    do_add_note(db, actor=actors("grid1"), quarantine=row,
                data=NoteCreate(kind="counselling", note="情绪焦虑，电话疏导20分钟"))
    notes = list_notes(db, row.person_id)
    assert [note.kind for note in notes] == ["counselling", "persuasion"]
    assert notes[0].by_name == "网格员一"
