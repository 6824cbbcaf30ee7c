"""The daily report's pages: the report of an area and day with its children's submission
states, the printable page, the Excel export, submitting, and a submission with its review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.areas.queries import access_area, list_ancestors
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.reports.approval import (
    access_submission,
    differences,
    do_review_report,
    do_submit_report,
    list_versions,
    may_review,
    may_submit,
    snapshot_of,
    submission_read,
)
from fangkong.reports.daily_schemas import STATUS_LABELS, DailyReportRead, SubmissionStatus
from fangkong.reports.daily_views import (
    child_states,
    export_live_report,
    export_submitted_report,
    live_report,
    local_today,
    submission_detail,
)
from fangkong.reports.export import sheet_title
from fangkong.reports.models import ReportSubmission
from fangkong.scope import Actor
from fangkong.settings import Settings
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import form_data
from fangkong.web.templating import render

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Permission.REPORT_READ))]
Exporter = Annotated[Principal, Depends(require(Permission.REPORT_EXPORT))]
Submitter = Annotated[Principal, Depends(require(Permission.REPORT_SUBMIT))]
Reviewer = Annotated[Principal, Depends(require(Permission.REPORT_APPROVE))]
FormData = Annotated[dict[str, object], Depends(form_data)]
AreaQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$")]
DayQuery = Annotated[date | None, Query()]

DONE = {
    "submitted": N_("The report has been submitted."),
    "approved": N_("The report has been approved."),
    "returned": N_("The report has been returned."),
}
AS_SUBMITTED = N_("As submitted")
LIVE = N_("Value now")


def flash_of(request: Request) -> dict[str, Any]:
    message = DONE.get(request.query_params.get("done", ""))
    return {"flash": request.state.tr.gettext(message)} if message else {}


def common(**extra: Any) -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, **extra}


def _report_context(session: Session, settings: Settings, actor: Actor, area: Area,
                    report: DailyReportRead) -> dict[str, Any]:
    versions = list_versions(session, area.code, report.day)
    latest = versions[0] if versions else None
    changed = {(item.code, item.column): item.submitted for item in differences(
        snapshot_of(latest), report)} if latest else {}
    today = local_today(settings)
    return common(
        area=area, report=report, crumbs=list_ancestors(session, actor, area),
        versions=[submission_read(row) for row in versions], changed=changed,
        states={state.area_code: state for state in child_states(session, report)},
        prev_day=report.day - timedelta(days=1),
        next_day=report.day + timedelta(days=1) if report.day < today else None, today=today,
        changed_label=AS_SUBMITTED, printing=False, can_submit=may_submit(actor, area),
        can_export=actor.can(Permission.REPORT_EXPORT),
        show_leaders=actor.can(Permission.LEADER_READ))


@router.get("/reports/daily", response_class=HTMLResponse)
def daily_page(request: Request, *, session: DbSession, settings: SettingsDep,
               principal: Reader, area: AreaQuery = None, day: DayQuery = None) -> Response:
    """The report of my area (or one below it) on a day, today by default."""
    actor = principal.actor
    place, report = live_report(session, settings, actor, area_code=area, day=day)
    return render(request, "reports/daily.html", {
        **_report_context(session, settings, actor, place, report), **flash_of(request)})


@router.get("/reports/daily/print", response_class=HTMLResponse)
def daily_print_page(request: Request, *, session: DbSession, settings: SettingsDep,
                     principal: Reader, area: AreaQuery = None,
                     day: DayQuery = None) -> Response:
    """The report on one A4 landscape page: title, unit and date, the table, the lines to sign."""
    place, report = live_report(session, settings, principal.actor, area_code=area, day=day)
    return render(request, "reports/daily_print.html", common(
        area=place, report=report, title=sheet_title(report, request.state.tr),
        changed={}, changed_label=LIVE, states={}, show_leaders=False, printing=True))


@router.get("/reports/daily.xlsx")
def daily_export(request: Request, *, session: DbSession, settings: SettingsDep,
                 principal: Exporter, area: AreaQuery = None, day: DayQuery = None) -> Response:
    """The report as an Excel workbook in the official layout; audited as an export."""
    return export_live_report(session, settings, principal.actor, request.state.tr,
                              area_code=area, day=day)


@router.post("/reports/daily/submit", response_model=None)
def daily_submit(request: Request, *, session: DbSession, settings: SettingsDep,
                 principal: Submitter, form: FormData) -> Response:
    """Submit my area's report of the day (a correction when it was submitted before)."""
    actor = principal.actor
    place, report = live_report(session, settings, actor, area_code=_text(form, "area"),
                                day=_day(form))
    try:
        do_submit_report(session, actor=actor, settings=settings, area=place, day=report.day,
                         today=local_today(settings), note=_text(form, "note") or "")
    except DomainError as error:
        if error.status == 404:
            raise
        context = _report_context(session, settings, actor, place, report)
        return render(request, "reports/daily.html", {
            **context, "error": error, "note": _text(form, "note") or "",
            "flash": request.state.tr.gettext(error.message), "flash_kind": "error",
        }, status_code=error.status)
    return RedirectResponse(f"/reports/daily?area={place.code}&day={report.day.isoformat()}"
                            "&done=submitted", status_code=303)


def _text(form: dict[str, object], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _day(form: dict[str, object]) -> date | None:
    try:
        return date.fromisoformat(_text(form, "day") or "")
    except ValueError:
        return None


# --- a submission --------------------------------------------------------------------------


def _submission_context(session: Session, settings: Settings, actor: Actor,
                        row: ReportSubmission) -> dict[str, Any]:
    detail = submission_detail(session, settings, row)
    area = access_area(session, actor, row.area_code)
    versions = list_versions(session, row.area_code, row.day)
    pending = versions[0].id == row.id and row.status == SubmissionStatus.SUBMITTED.value
    return common(
        submission=detail, area=area, report=detail.snapshot,
        crumbs=list_ancestors(session, actor, area),
        changed={(item.code, item.column): item.live for item in detail.differences},
        changed_label=LIVE, printing=False,
        column_labels={column.key: column.label for column in detail.snapshot.columns},
        versions=[submission_read(version) for version in versions], states={},
        can_review=pending and may_review(actor, area.code, area.parent_code),
        can_export=actor.can(Permission.REPORT_EXPORT),
        show_leaders=actor.can(Permission.LEADER_READ))


@router.get("/reports/daily/submissions/{submission_id}.xlsx")
def submission_export(request: Request, *, session: DbSession, principal: Exporter,
                      submission_id: int) -> Response:
    """A submitted report as it was frozen, as an Excel workbook; audited as an export."""
    return export_submitted_report(session, principal.actor, request.state.tr,
                                   submission_id=submission_id)


@router.get("/reports/daily/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(request: Request, *, session: DbSession, settings: SettingsDep,
                    principal: Reader, submission_id: int) -> Response:
    """A report as submitted, the figures corrected since, its versions and its review."""
    actor = principal.actor
    row = access_submission(session, actor, submission_id)
    return render(request, "reports/daily_submission.html", {
        **_submission_context(session, settings, actor, row), **flash_of(request)})


@router.post("/reports/daily/submissions/{submission_id}/review", response_model=None)
def submission_review(request: Request, *, session: DbSession, settings: SettingsDep,
                      principal: Reviewer, submission_id: int, form: FormData) -> Response:
    """Approve the report, or return it with a note."""
    actor = principal.actor
    row = access_submission(session, actor, submission_id)
    approve = _text(form, "decision") == "approve"
    note = _text(form, "note") or ""
    try:
        do_review_report(session, actor=actor, submission=row, approve=approve, note=note)
    except DomainError as error:
        if error.status == 404:
            raise
        context = _submission_context(session, settings, actor, row)
        return render(request, "reports/daily_submission.html", {
            **context, "error": error, "note": note,
            "flash": request.state.tr.gettext(error.message), "flash_kind": "error",
        }, status_code=error.status)
    done = "approved" if approve else "returned"
    return RedirectResponse(f"/reports/daily/submissions/{row.id}?done={done}",
                            status_code=303)
