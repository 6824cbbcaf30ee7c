"""What the pages and the API show: reads turned into schemas, shared by both edges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.errors import NotFound
from fangkong.registry.models import Household, Person
from fangkong.registry.validators import mask_id_number, mask_phone
from fangkong.scope import Actor
from fangkong.screening.models import FollowUp, ScreeningRound, Visit
from fangkong.screening.queries import (
    area_figures,
    count_rows,
    count_to_visit,
    follow_ups_stmt,
    members_of_visits,
    page_of,
    to_visit_stmt,
    visits_stmt,
    working_area,
)
from fangkong.screening.schemas import (
    FollowUpRead,
    NotVisitedFilter,
    NotVisitedRead,
    Outcome,
    VisitMemberRead,
    VisitRead,
)
from fangkong.web.pagination import Page, PageParams

EXPORT_LIMIT = 200_000


def local_today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def not_visited_item(row: Any) -> NotVisitedRead:
    household, outcome, last_visited_at = row
    return NotVisitedRead(
        household_id=household.id, code=household.code, area_code=household.area_code,
        address=household.address, head_name=household.head_name, members=household.members,
        outcome=Outcome(outcome) if outcome else None, last_visited_at=last_visited_at,
    )


def not_visited_scope(session: Session, actor: Actor, round_: ScreeningRound,
                      filters: NotVisitedFilter) -> tuple[Area, str]:
    """The area of the list and the code prefix it is narrowed to (a grid inside it)."""
    area = working_area(session, actor, round_, filters.area)
    prefix = area.code
    if filters.grid:
        if not filters.grid.startswith(area.code):
            raise NotFound()
        prefix = filters.grid
    return area, prefix


def not_visited_page(session: Session, actor: Actor, round_: ScreeningRound,
                     filters: NotVisitedFilter, params: PageParams) -> tuple[
    Area, Page[NotVisitedRead]
]:
    """One page of the households still to visit; the total comes from the counters."""
    area, prefix = not_visited_scope(session, actor, round_, filters)
    stmt = to_visit_stmt(round_.id, prefix, outcome=filters.outcome, never_reached_first=False)
    figures = area_figures(session, round_id=round_.id, area_code=prefix)
    items = [not_visited_item(row) for row in page_of(session, stmt, params)]
    return area, Page[NotVisitedRead](items=items, total=count_to_visit(figures, filters.outcome),
                                      page=params.page, size=params.size)


def not_visited_rows(session: Session, actor: Actor, round_: ScreeningRound,
                     filters: NotVisitedFilter) -> tuple[Area, list[NotVisitedRead]]:
    """Every household of the list (up to the export limit), for the spreadsheet."""
    area, prefix = not_visited_scope(session, actor, round_, filters)
    stmt = to_visit_stmt(round_.id, prefix, outcome=filters.outcome,
                         never_reached_first=False).limit(EXPORT_LIMIT)
    rows = session.execute(stmt.execution_options(yield_per=5000))
    return area, [not_visited_item(row) for row in rows]


def follow_up_item(row: Any) -> FollowUpRead:
    follow_up, person, household = row
    return FollowUpRead(
        id=follow_up.id, person_id=person.id, person_name=person.name,
        id_number=mask_id_number(person.id_number or ""), phone=mask_phone(person.phone or ""),
        household_id=household.id if household else None,
        address=household.address if household else "", area_code=follow_up.area_code,
        visit_id=follow_up.visit_id, reasons=list(follow_up.reasons),
        flagged_at=follow_up.flagged_at, flagged_by_name=follow_up.flagged_by_name,
        status=follow_up.status, handled_at=follow_up.handled_at,
        handled_note=follow_up.handled_note,
    )


def follow_up_read(session: Session, follow_up: FollowUp) -> FollowUpRead:
    person = session.get(Person, follow_up.person_id)
    household = session.get(Household, person.household_id) if person and person.household_id \
        else None
    return follow_up_item((follow_up, person, household))


def follow_up_page(session: Session, actor: Actor, *, area: str | None, status: str | None,
                   params: PageParams) -> Page[FollowUpRead]:
    if area and not actor.sees(area):
        raise NotFound()
    stmt = follow_ups_stmt(actor, area, status)
    items = [follow_up_item(row) for row in page_of(session, stmt, params)]
    return Page[FollowUpRead](items=items, total=count_rows(session, stmt), page=params.page,
                              size=params.size)


def visit_reads(session: Session, visits: Sequence[Visit]) -> list[VisitRead]:
    lines = members_of_visits(session, [visit.id for visit in visits])
    return [VisitRead.model_validate(visit).model_copy(update={
        "members": [VisitMemberRead.model_validate(line) for line in lines.get(visit.id, [])],
    }) for visit in visits]


def visit_page(session: Session, actor: Actor, round_: ScreeningRound,
               household_id: int | None, params: PageParams) -> Page[VisitRead]:
    stmt = visits_stmt(actor, round_.id, household_id)
    visits = [row[0] for row in page_of(session, stmt, params)]
    return Page[VisitRead](items=visit_reads(session, visits), total=count_rows(session, stmt),
                           page=params.page, size=params.size)

