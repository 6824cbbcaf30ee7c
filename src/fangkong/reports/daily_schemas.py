"""The daily report as data: what the API answers, what a submission freezes (its snapshot),
and the submissions themselves. Labels are message ids, translated where they are shown."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from fangkong.areas.models import Leader
from fangkong.i18n import N_, Translator
from fangkong.reports.daily import MissingArea, Report, ReportRow

Value = int | float | None


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


NOT_SUBMITTED = "not_submitted"
STATUS_LABELS: dict[str, str] = {
    SubmissionStatus.SUBMITTED: N_("Submitted"),
    SubmissionStatus.APPROVED: N_("Approved"),
    SubmissionStatus.RETURNED: N_("Returned"),
    NOT_SUBMITTED: N_("Not submitted"),
}


class LeaderRead(BaseModel):
    name: str
    title: str = ""
    phone: str = ""
    duty: str = ""


class ColumnRead(BaseModel):
    key: str = Field(description='"<section>.<column>"')
    section: str
    label: str
    kind: Literal["count", "percent"] = "count"
    headline: bool = False
    higher_is_worse: bool = False


class SectionRead(BaseModel):
    key: str
    label: str
    columns: list[str]


class RowRead(BaseModel):
    code: str
    name: str
    level: str
    own: bool = Field(default=False, description="figures recorded at the area itself")
    values: dict[str, Value]
    deltas: dict[str, Value] = Field(description="change since the previous day")
    recorded: bool = Field(default=True, description="something was recorded that day")
    missing: int = Field(default=0, description="communities below that recorded nothing")
    leaders: list[LeaderRead] = []


class MissingRead(BaseModel):
    code: str
    name: str
    leaders: list[LeaderRead] = []


class DailyReportRead(BaseModel):
    area_code: str
    area_name: str
    area_level: str
    day: date
    generated_at: datetime
    sections: list[SectionRead]
    columns: list[ColumnRead]
    rows: list[RowRead]
    total: RowRead
    missing: list[MissingRead]
    missing_total: int = 0


def _leaders(leaders: list[Leader]) -> list[LeaderRead]:
    return [LeaderRead(name=item.name, title=item.title, phone=item.phone, duty=item.duty)
            for item in leaders]


def _row(row: ReportRow) -> RowRead:
    return RowRead(code=row.code, name=row.name, level=row.level, own=row.own,
                   values=row.values, deltas=row.deltas, recorded=row.recorded,
                   missing=row.missing, leaders=_leaders(row.leaders))


def _missing(item: MissingArea) -> MissingRead:
    return MissingRead(code=item.code, name=item.name, leaders=_leaders(item.leaders))


def report_read(report: Report) -> DailyReportRead:
    """The report as data (labels as message ids): for the API and for snapshots."""
    return DailyReportRead(
        area_code=report.area.code, area_name=report.area.name, area_level=report.area.level,
        day=report.day, generated_at=report.generated_at,
        sections=[SectionRead(key=section.key, label=section.label,
                              columns=[f"{section.key}.{column.key}" for column in
                                       section.columns]) for section in report.sections],
        columns=[ColumnRead(key=item.key, section=item.section.key, label=item.column.label,
                            kind=item.column.kind, headline=item.column.headline,
                            higher_is_worse=item.column.higher_is_worse)
                 for item in report.columns],
        rows=[_row(row) for row in report.rows], total=_row(report.total),
        missing=[_missing(item) for item in report.missing], missing_total=report.missing_total)


def localized(report: DailyReportRead, tr: Translator) -> DailyReportRead:
    """The same report with its section and column labels in the caller's language."""
    return report.model_copy(update={
        "sections": [item.model_copy(update={"label": tr.gettext(item.label)})
                     for item in report.sections],
        "columns": [item.model_copy(update={"label": tr.gettext(item.label)})
                    for item in report.columns],
    })


# --- submissions ---------------------------------------------------------------------------


class SubmissionCreate(BaseModel):
    area_code: str = Field(pattern=r"^[0-9]{2,32}$")
    day: date
    note: str = Field(default="", max_length=1000)


class ReviewCreate(BaseModel):
    note: str = Field(default="", max_length=1000)


class SubmissionRead(BaseModel):
    id: int
    area_code: str
    day: date
    version: int
    correction: bool = Field(description="a later version, correcting what was reported")
    status: SubmissionStatus
    note: str
    submitted_at: datetime
    submitted_by_name: str
    reviewed_at: datetime | None
    reviewed_by_name: str
    review_note: str


class DifferenceRead(BaseModel):
    """A figure whose live value differs from the value submitted."""

    code: str
    name: str
    column: str
    submitted: Value
    live: Value


class SubmissionDetail(SubmissionRead):
    snapshot: DailyReportRead
    differences: list[DifferenceRead] = Field(
        description="figures corrected since submission (live value ≠ submitted value)")


class ChildState(BaseModel):
    """The state of a child area's report on a day: its latest submission, if any."""

    area_code: str
    area_name: str
    status: str = Field(description="submitted, approved, returned or not_submitted")
    submission: SubmissionRead | None = None
