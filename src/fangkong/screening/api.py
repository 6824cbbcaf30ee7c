"""The screening API: rounds, visits, coverage, households not yet visited, follow-ups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.schemas import ErrorRead
from fangkong.permissions import Permission
from fangkong.screening.actions import (
    do_close_round,
    do_create_round,
    do_delete_round,
    do_handle_follow_up,
    do_record_visit,
    do_update_round,
)
from fangkong.screening.queries import (
    access_follow_up,
    access_household,
    access_round,
    coverage_of,
    rounds_stmt,
    working_area,
)
from fangkong.screening.schemas import (
    CoverageRead,
    FollowUpHandle,
    FollowUpRead,
    FollowUpStatus,
    NotVisitedFilter,
    NotVisitedRead,
    RoundCreate,
    RoundRead,
    RoundStatus,
    RoundUpdate,
    VisitCreate,
    VisitRead,
)
from fangkong.screening.views import (
    follow_up_page,
    follow_up_read,
    local_today,
    not_visited_page,
    visit_page,
    visit_reads,
)
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Page, Paging

router = APIRouter(prefix="/screening", tags=["screening"])

RoundReader = Annotated[Principal, Depends(require(Permission.ROUND_READ))]
RoundWriter = Annotated[Principal, Depends(require(Permission.ROUND_WRITE))]
VisitReader = Annotated[Principal, Depends(require(Permission.VISIT_READ))]
VisitWriter = Annotated[Principal, Depends(require(Permission.VISIT_WRITE))]
CoverageReader = Annotated[Principal, Depends(require(Permission.COVERAGE_READ))]
FollowUpReader = Annotated[Principal, Depends(require(Permission.FOLLOWUP_READ))]
FollowUpWriter = Annotated[Principal, Depends(require(Permission.FOLLOWUP_WRITE))]
AreaCode = Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$", description="an area code")]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    return {status: {"model": ErrorRead} for status in (401, 403, *statuses)}


# --- rounds --------------------------------------------------------------------------------


@router.get("/rounds", response_model=Page[RoundRead], responses=errors())
def list_rounds_api(session: DbSession, principal: RoundReader, paging: Paging,
                    status: RoundStatus | None = None) -> Page[RoundRead]:
    """Rounds over the caller's area or inside it, newest first."""
    stmt = rounds_stmt(principal.actor, status=status.value if status else None)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rounds = session.scalars(stmt.limit(paging.size).offset(paging.offset))
    return Page[RoundRead](items=[RoundRead.model_validate(item) for item in rounds],
                           total=total, page=paging.page, size=paging.size)


@router.post("/rounds", response_model=RoundRead, status_code=201, responses=errors(409, 422))
def create_round_api(session: DbSession, principal: RoundWriter, data: RoundCreate) -> RoundRead:
    return RoundRead.model_validate(do_create_round(session, actor=principal.actor, data=data))


@router.get("/rounds/{round_id}", response_model=RoundRead, responses=errors(404))
def get_round_api(session: DbSession, principal: RoundReader, round_id: int) -> RoundRead:
    return RoundRead.model_validate(access_round(session, principal.actor, round_id))


@router.patch("/rounds/{round_id}", response_model=RoundRead, responses=errors(404, 409, 422))
def update_round_api(session: DbSession, principal: RoundWriter, round_id: int,
                     data: RoundUpdate) -> RoundRead:
    round_ = access_round(session, principal.actor, round_id)
    return RoundRead.model_validate(
        do_update_round(session, actor=principal.actor, round_=round_, data=data))


@router.post("/rounds/{round_id}/close", response_model=RoundRead, responses=errors(404, 409))
def close_round_api(session: DbSession, principal: RoundWriter, round_id: int) -> RoundRead:
    round_ = access_round(session, principal.actor, round_id)
    return RoundRead.model_validate(do_close_round(session, actor=principal.actor, round_=round_))


@router.delete("/rounds/{round_id}", status_code=204, responses=errors(404, 409))
def delete_round_api(session: DbSession, principal: RoundWriter, round_id: int) -> Response:
    """Delete a round without visits (one with visits is closed instead)."""
    round_ = access_round(session, principal.actor, round_id)
    do_delete_round(session, actor=principal.actor, round_=round_)
    return Response(status_code=204)


# --- visits --------------------------------------------------------------------------------


@router.post("/rounds/{round_id}/visits", response_model=VisitRead, status_code=201,
             responses=errors(404, 409, 422))
def record_visit_api(session: DbSession, settings: SettingsDep, principal: VisitWriter,
                     round_id: int, data: VisitCreate) -> VisitRead:
    """Record a visit to a household of the caller's area (members only when visited)."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    household = access_household(session, actor, data.household_id)
    visit = do_record_visit(session, actor=actor, round=round_, household=household,
                            outcome=data.outcome, members=data.members,
                            visited_at=data.visited_at, notes=data.notes, zone=settings.zone)
    return visit_reads(session, [visit])[0]


@router.get("/rounds/{round_id}/visits", response_model=Page[VisitRead],
            responses=errors(404))
def list_visits_api(session: DbSession, principal: VisitReader, round_id: int, paging: Paging,
                    household: int | None = None) -> Page[VisitRead]:
    """Visits of the round in the caller's area, newest first; of one household if given
    (a view of its members' health, audited)."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    if household is not None:
        found = access_household(session, actor, household)
        do_audit(session, actor=actor, action=AuditAction.VIEW, resource="visit",
                 record_id=found.id, area_code=found.area_code, detail={"round_id": round_id})
    return visit_page(session, actor, round_, household, paging)


# --- coverage and the households not yet visited --------------------------------------------


@router.get("/rounds/{round_id}/coverage", response_model=CoverageRead, responses=errors(404))
def coverage_api(session: DbSession, settings: SettingsDep, principal: CoverageReader,
                 round_id: int, area: AreaCode = None) -> CoverageRead:
    """Coverage of the round in an area (default: the caller's part of it) and its parts."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    place = working_area(session, actor, round_, area)
    return coverage_of(session, round_=round_, area=place, today=local_today(settings.zone),
                       with_leaders=actor.can(Permission.LEADER_READ))


@router.get("/rounds/{round_id}/not-visited", response_model=Page[NotVisitedRead],
            responses=errors(404, 422))
def not_visited_api(session: DbSession, principal: CoverageReader, round_id: int,
                    paging: Paging, filters: Annotated[NotVisitedFilter, Query()]) -> Page[
    NotVisitedRead
]:
    """Households with no visit yet or only nobody-home / refused (不漏一户一人)."""
    actor = principal.actor
    round_ = access_round(session, actor, round_id)
    return not_visited_page(session, actor, round_, filters, paging)[1]


# --- follow-ups ----------------------------------------------------------------------------


@router.get("/follow-ups", response_model=Page[FollowUpRead], responses=errors(404))
def follow_ups_api(session: DbSession, principal: FollowUpReader, paging: Paging,
                   area: AreaCode = None, status: FollowUpStatus | None = None) -> Page[
    FollowUpRead
]:
    """Persons flagged by visits in the caller's area, open first; ID and phone masked."""
    return follow_up_page(session, principal.actor, area=area,
                          status=status.value if status else None, params=paging)


@router.post("/follow-ups/{follow_up_id}/handle", response_model=FollowUpRead,
             responses=errors(404, 409, 422))
def handle_follow_up_api(session: DbSession, principal: FollowUpWriter, follow_up_id: int,
                         data: FollowUpHandle) -> FollowUpRead:
    actor = principal.actor
    follow_up = access_follow_up(session, actor, follow_up_id)
    do_handle_follow_up(session, actor=actor, follow_up=follow_up, note=data.note)
    return follow_up_read(session, follow_up)
