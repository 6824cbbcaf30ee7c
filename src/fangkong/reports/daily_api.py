"""The daily report's API: the report of an area and day (JSON or Excel), and its submission
and approval level by level."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from fangkong.accounts.schemas import ErrorRead
from fangkong.areas.queries import access_area
from fangkong.permissions import Permission
from fangkong.reports.approval import (
    access_submission,
    do_review_report,
    do_submit_report,
    list_versions,
    submission_read,
)
from fangkong.reports.daily_schemas import (
    ChildState,
    DailyReportRead,
    ReviewCreate,
    SubmissionCreate,
    SubmissionDetail,
    SubmissionRead,
    localized,
)
from fangkong.reports.daily_views import (
    XLSX,
    child_states,
    chosen_day,
    export_live_report,
    export_submitted_report,
    live_report,
    local_today,
    submission_detail,
)
from fangkong.web.deps import DbSession, Principal, SettingsDep, require

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require(Permission.REPORT_READ))]
Exporter = Annotated[Principal, Depends(require(Permission.REPORT_EXPORT))]
Submitter = Annotated[Principal, Depends(require(Permission.REPORT_SUBMIT))]
Reviewer = Annotated[Principal, Depends(require(Permission.REPORT_APPROVE))]
AreaQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$",
                                        description="an area code (default: the caller's)")]
DayQuery = Annotated[date | None, Query(description="the local day (default: today)")]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorRead} for status in (401, 403, *statuses)}


class SubmissionList(BaseModel):
    """The versions submitted for an area and day (latest first) and its children's states."""

    versions: list[SubmissionRead]
    children: list[ChildState]


@router.get("/daily", response_model=DailyReportRead, responses=errors(404, 422))
def get_daily_report(request: Request, *, session: DbSession, settings: SettingsDep,
                     principal: Reader, area: AreaQuery = None,
                     day: DayQuery = None) -> DailyReportRead:
    """One row per child area and the total, every section's figures with their change since
    the previous day, and the communities that recorded nothing that day."""
    _area, report = live_report(session, settings, principal.actor, area_code=area, day=day)
    return localized(report, request.state.tr)


@router.get("/daily.xlsx", response_class=Response, responses={
    **errors(404, 422), 200: {"content": {XLSX: {}}, "description": "the workbook"}})
def export_daily_report(request: Request, *, session: DbSession, settings: SettingsDep,
                        principal: Exporter, area: AreaQuery = None,
                        day: DayQuery = None) -> Response:
    """The report as an Excel workbook in the official layout (audited as an export)."""
    return export_live_report(session, settings, principal.actor, request.state.tr,
                              area_code=area, day=day)


@router.get("/submissions", response_model=SubmissionList, responses=errors(404, 422))
def list_submissions(session: DbSession, settings: SettingsDep, principal: Reader,
                     area: AreaQuery = None, day: DayQuery = None) -> SubmissionList:
    """What was submitted for an area on a day, and where each child area's report stands."""
    _area, report = live_report(session, settings, principal.actor, area_code=area, day=day)
    versions = list_versions(session, report.area_code, report.day)
    return SubmissionList(versions=[submission_read(row) for row in versions],
                          children=child_states(session, report))


@router.post("/submissions", response_model=SubmissionRead, status_code=201,
             responses=errors(404, 409, 422))
def submit_report(session: DbSession, settings: SettingsDep, principal: Submitter,
                  data: SubmissionCreate) -> SubmissionRead:
    """Submit the caller's area's report of a day: its figures are frozen as a snapshot. A
    later submission of the same day is a correction (a new version) and needs a note."""
    actor = principal.actor
    area = access_area(session, actor, data.area_code)
    row = do_submit_report(session, actor=actor, settings=settings, area=area,
                           day=chosen_day(data.day, settings), today=local_today(settings),
                           note=data.note)
    return submission_read(row)


@router.get("/submissions/{submission_id}.xlsx", response_class=Response, responses={
    **errors(404), 200: {"content": {XLSX: {}}, "description": "the workbook"}})
def export_submission(request: Request, session: DbSession, principal: Exporter,
                      submission_id: int) -> Response:
    """The report as it was submitted, as an Excel workbook (audited as an export)."""
    return export_submitted_report(session, principal.actor, request.state.tr,
                                   submission_id=submission_id)


@router.get("/submissions/{submission_id}", response_model=SubmissionDetail,
            responses=errors(404))
def get_submission(request: Request, session: DbSession, settings: SettingsDep,
                   principal: Reader, submission_id: int) -> SubmissionDetail:
    """A submitted report as frozen, and the figures corrected since (live ≠ submitted)."""
    detail = submission_detail(session, settings,
                               access_submission(session, principal.actor, submission_id))
    return detail.model_copy(update={"snapshot": localized(detail.snapshot,
                                                            request.state.tr)})


@router.post("/submissions/{submission_id}/approve", response_model=SubmissionRead,
             responses=errors(404, 409, 422))
def approve_submission(session: DbSession, principal: Reviewer, submission_id: int,
                       data: ReviewCreate) -> SubmissionRead:
    """Approve the latest version of a child area's submitted report."""
    row = access_submission(session, principal.actor, submission_id)
    do_review_report(session, actor=principal.actor, submission=row, approve=True,
                     note=data.note)
    return submission_read(row)


@router.post("/submissions/{submission_id}/return", response_model=SubmissionRead,
             responses=errors(404, 409, 422))
def return_submission(session: DbSession, principal: Reviewer, submission_id: int,
                      data: ReviewCreate) -> SubmissionRead:
    """Return the latest version of a child area's submitted report with a note."""
    row = access_submission(session, principal.actor, submission_id)
    do_review_report(session, actor=principal.actor, submission=row, approve=False,
                     note=data.note)
    return submission_read(row)
