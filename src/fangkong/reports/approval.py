"""Submission and approval of daily reports, level by level (community → street → district →
city): the commander of an area submits its day's report, which freezes it as a snapshot; the
commander of the parent area approves it or returns it with a note. A later submission of the
same day is a new version, a correction; earlier versions stay as they were reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.db import utcnow
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission, Role
from fangkong.reports.daily import build_report
from fangkong.reports.daily_schemas import (
    DailyReportRead,
    DifferenceRead,
    RowRead,
    SubmissionRead,
    SubmissionStatus,
    report_read,
)
from fangkong.reports.models import ReportSubmission
from fangkong.scope import Actor
from fangkong.settings import Settings

FIRST_DAY = date(2000, 1, 1)


class NotYourArea(Forbidden):
    code = "reports.not_your_area"

    @classmethod
    def default_message(cls) -> str:
        return N_("Only the commander of an area submits its report.")


class NotTheParent(Forbidden):
    code = "reports.not_the_parent"

    @classmethod
    def default_message(cls) -> str:
        return N_("Only the commander of the area above reviews this report.")


class NotPending(Conflict):
    code = "reports.not_pending"

    @classmethod
    def default_message(cls) -> str:
        return N_("Only the latest version of a report awaiting review can be reviewed.")


class SubmittedMeanwhile(Conflict):
    code = "reports.submitted_meanwhile"

    @classmethod
    def default_message(cls) -> str:
        return N_("Someone submitted this report at the same time. Please reload the page.")


class BadDay(Invalid):
    code = "reports.bad_day"

    @classmethod
    def default_message(cls) -> str:
        return N_("Choose a day that is not in the future.")


def check_day(day: date, today: date) -> date:
    """A day a report can be made for: from 2000 up to today."""
    if not FIRST_DAY <= day <= today:
        raise BadDay(fields={"day": BadDay.default_message()})
    return day


# --- reading ---------------------------------------------------------------------------------


def access_submission(session: Session, actor: Actor, submission_id: int) -> ReportSubmission:
    """A submission of an area the actor sees; NotFound for a missing one and one outside."""
    submission = session.get(ReportSubmission, submission_id)
    if submission is None or not actor.sees(submission.area_code):
        raise NotFound()
    return submission


def list_versions(session: Session, area_code: str, day: date) -> list[ReportSubmission]:
    """Every version submitted for an area and day, the latest first."""
    stmt = (select(ReportSubmission).where(ReportSubmission.area_code == area_code,
                                           ReportSubmission.day == day)
            .order_by(ReportSubmission.version.desc()))
    return list(session.scalars(stmt))


def latest_by_area(session: Session, codes: Iterable[str], day: date) -> dict[
    str, ReportSubmission
]:
    """The latest submission of each of the areas on a day (areas without one are absent)."""
    wanted = list(codes)
    if not wanted:
        return {}
    latest = (select(ReportSubmission.area_code, func.max(ReportSubmission.version).label("v"))
              .where(ReportSubmission.area_code.in_(wanted), ReportSubmission.day == day)
              .group_by(ReportSubmission.area_code).subquery())
    stmt = select(ReportSubmission).join(latest, (latest.c.area_code ==
                                                  ReportSubmission.area_code)
                                         & (latest.c.v == ReportSubmission.version)).where(
        ReportSubmission.day == day)
    return {row.area_code: row for row in session.scalars(stmt)}


def submission_read(row: ReportSubmission) -> SubmissionRead:
    return SubmissionRead(
        id=row.id, area_code=row.area_code, day=row.day, version=row.version,
        correction=row.version > 1, status=SubmissionStatus(row.status), note=row.note,
        submitted_at=row.submitted_at, submitted_by_name=row.submitted_by_name,
        reviewed_at=row.reviewed_at, reviewed_by_name=row.reviewed_by_name,
        review_note=row.review_note)


def snapshot_of(row: ReportSubmission) -> DailyReportRead:
    return DailyReportRead.model_validate(row.snapshot)


def _cells(report: DailyReportRead) -> dict[tuple[str, str], tuple[str, RowRead]]:
    found = {(row.code, column.key): (row.name, row) for row in report.rows
             for column in report.columns}
    found.update({("", column.key): (report.total.name, report.total)
                  for column in report.columns})
    return found


def differences(snapshot: DailyReportRead, live: DailyReportRead) -> list[DifferenceRead]:
    """The figures whose live value differs from the submitted one (rows by code; the total
    row has the code "")."""
    before, after = _cells(snapshot), _cells(live)
    found: list[DifferenceRead] = []
    for key in dict.fromkeys([*before, *after]):
        code, column = key
        old = before[key][1].values.get(column) if key in before else None
        new = after[key][1].values.get(column) if key in after else None
        if old != new:
            name = (before.get(key) or after[key])[0]
            found.append(DifferenceRead(code=code, name=name, column=column, submitted=old,
                                        live=new))
    return found


# --- changing --------------------------------------------------------------------------------


def actor_name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.display_name if user is not None else actor.username


def may_submit(actor: Actor, area: Area) -> bool:
    return actor.can(Permission.REPORT_SUBMIT) and actor.sees(area.code) and (
        actor.role is Role.ADMIN or actor.area_code == area.code)


def may_review(actor: Actor, area_code: str, parent_code: str | None) -> bool:
    return actor.can(Permission.REPORT_APPROVE) and actor.sees(area_code) and (
        actor.role is Role.ADMIN or (parent_code is not None and actor.area_code == parent_code))


def do_submit_report(session: Session, *, actor: Actor, settings: Settings, area: Area,
                     day: date, today: date, note: str = "",
                     now: datetime | None = None) -> ReportSubmission:
    """Freeze the area's report of the day as the next version; a correction needs a note."""
    actor.require(Permission.REPORT_SUBMIT)
    if not actor.sees(area.code):
        raise NotFound()
    if not may_submit(actor, area):
        raise NotYourArea()
    check_day(day, today)
    earlier = list_versions(session, area.code, day)
    if earlier and not note.strip():
        raise Invalid(N_("Say what was corrected."),
                      fields={"note": N_("Say what was corrected.")})
    snapshot = report_read(build_report(session, settings, area=area, day=day))
    row = ReportSubmission(
        area_code=area.code, day=day, version=(earlier[0].version + 1) if earlier else 1,
        status=SubmissionStatus.SUBMITTED.value, snapshot=snapshot.model_dump(mode="json"),
        note=note.strip(), submitted_at=now or utcnow(), submitted_by_id=actor.user_id,
        submitted_by_name=actor_name(session, actor))
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        raise SubmittedMeanwhile() from error
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="daily_report",
             record_id=row.id, area_code=area.code,
             detail={"day": day.isoformat(), "version": row.version, "note": row.note})
    return row


def do_review_report(session: Session, *, actor: Actor, submission: ReportSubmission,
                     approve: bool, note: str = "",
                     now: datetime | None = None) -> ReportSubmission:
    """Approve the latest version of a submitted report, or return it with a note."""
    actor.require(Permission.REPORT_APPROVE)
    if not actor.sees(submission.area_code):
        raise NotFound()
    area = session.get(Area, submission.area_code)
    if not may_review(actor, submission.area_code, area.parent_code if area else None):
        raise NotTheParent()
    latest = list_versions(session, submission.area_code, submission.day)[0]
    if latest.id != submission.id or submission.status != SubmissionStatus.SUBMITTED.value:
        raise NotPending()
    if not approve and not note.strip():
        raise Invalid(N_("Say why the report is returned."),
                      fields={"note": N_("Say why the report is returned.")})
    before = submission.status
    submission.status = (SubmissionStatus.APPROVED if approve
                         else SubmissionStatus.RETURNED).value
    submission.reviewed_at = now or utcnow()
    submission.reviewed_by_id = actor.user_id
    submission.reviewed_by_name = actor_name(session, actor)
    submission.review_note = note.strip()
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="daily_report",
             record_id=submission.id, area_code=submission.area_code,
             detail={"status": [before, submission.status], "note": submission.review_note})
    return submission
