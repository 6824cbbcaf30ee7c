"""What the daily report's pages and API both answer: the live report of an area the caller
may see, the states of its children's submissions, a submission with its corrections."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.responses import Response
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area
from fangkong.areas.queries import access_area
from fangkong.i18n import Translator
from fangkong.permissions import Permission
from fangkong.reports.approval import (
    access_submission,
    actor_name,
    check_day,
    differences,
    latest_by_area,
    snapshot_of,
    submission_read,
)
from fangkong.reports.daily import build_report
from fangkong.reports.daily_schemas import (
    NOT_SUBMITTED,
    ChildState,
    DailyReportRead,
    SubmissionDetail,
    report_read,
)
from fangkong.reports.export import Signature, daily_workbook
from fangkong.reports.models import ReportSubmission
from fangkong.scope import Actor
from fangkong.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def local_today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()


def chosen_day(day: date | None, settings: Settings) -> date:
    """The day asked for (not in the future), or today."""
    today = local_today(settings)
    return today if day is None else check_day(day, today)


def live_report(session: Session, settings: Settings, actor: Actor, *, area_code: str | None,
                day: date | None) -> tuple[Area, DailyReportRead]:
    """The report of an area the actor sees (their own by default) on a day (today)."""
    area = access_area(session, actor, area_code or actor.area_code)
    report = build_report(session, settings, area=area, day=chosen_day(day, settings),
                          with_leaders=actor.can(Permission.LEADER_READ))
    return area, report_read(report)


def child_states(session: Session, report: DailyReportRead) -> list[ChildState]:
    """Each child area's latest submission of the report's day (or none)."""
    area_rows = [row for row in report.rows if not row.own]
    latest = latest_by_area(session, [row.code for row in area_rows], report.day)
    states = []
    for row in area_rows:
        found = latest.get(row.code)
        states.append(ChildState(
            area_code=row.code, area_name=row.name,
            status=found.status if found else NOT_SUBMITTED,
            submission=submission_read(found) if found else None))
    return states


def submission_detail(session: Session, settings: Settings,
                      submission: ReportSubmission) -> SubmissionDetail:
    """A submission with its frozen report and the figures corrected since."""
    snapshot = snapshot_of(submission)
    area = session.get(Area, submission.area_code)
    live = snapshot if area is None else report_read(build_report(
        session, settings, area=area, day=submission.day, with_leaders=False))
    return SubmissionDetail(**submission_read(submission).model_dump(), snapshot=snapshot,
                            differences=differences(snapshot, live))


def signature_of(report: DailyReportRead, submission: ReportSubmission | None, *,
                 filled_by: str, when: str) -> Signature:
    """The lines under an exported report: those of its submission, else the exporter's."""
    if submission is None:
        return Signature(unit=report.area_name, filled_by=filled_by)
    return Signature(unit=report.area_name, filled_by=submission.submitted_by_name,
                     reviewed_by=submission.reviewed_by_name if submission.status == "approved"
                     else "", submitted_at=when)


# --- exports -----------------------------------------------------------------------------------


def xlsx_response(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def export_live_report(session: Session, settings: Settings, actor: Actor, tr: Translator, *,
                       area_code: str | None, day: date | None) -> Response:
    """The live report as a workbook signed by the exporter; audited as an export."""
    place, report = live_report(session, settings, actor, area_code=area_code, day=day)
    content = daily_workbook(report, tr=tr, signature=signature_of(
        report, None, filled_by=actor_name(session, actor), when=""))
    do_audit(session, actor=actor, action=AuditAction.EXPORT, resource="daily_report",
             record_id=f"{place.code}/{report.day.isoformat()}", area_code=place.code,
             detail={"day": report.day.isoformat()})
    return xlsx_response(content, f"daily-{place.code}-{report.day.isoformat()}.xlsx")


def export_submitted_report(session: Session, actor: Actor, tr: Translator, *,
                            submission_id: int) -> Response:
    """A report as it was submitted, as a workbook with its submitter, reviewer and time."""
    row = access_submission(session, actor, submission_id)
    snapshot = snapshot_of(row)
    content = daily_workbook(snapshot, tr=tr, signature=signature_of(
        snapshot, row, filled_by="", when=tr.datetime(row.submitted_at)))
    do_audit(session, actor=actor, action=AuditAction.EXPORT, resource="daily_report",
             record_id=row.id, area_code=row.area_code, detail={"version": row.version})
    return xlsx_response(content, f"daily-{row.area_code}-{row.day.isoformat()}"
                                  f"-v{row.version}.xlsx")
