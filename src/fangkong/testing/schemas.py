"""Pydantic schemas: each validates both the JSON body and the HTML form.

Times without an offset (a form's `datetime-local`) are local times (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fangkong.testing.codes import (
    DEFAULT_ZONE,
    Pool,
    PositiveStatus,
    Reason,
    Result,
    Retest,
    SampleKind,
)

AREA_PATTERN = r"^[0-9]{2,32}$"
TUBE_PATTERN = r"^[0-9A-Za-z\-]{4,40}$"


def _list(value: object) -> object:
    """A form's repeated or comma/line separated values as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.replace(",", "\n").splitlines() if item.strip()]
    return value


def _local(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=DEFAULT_ZONE)
    return value


def _tube(value: object) -> object:
    return "".join(value.split()) if isinstance(value, str) else value


class SampleCreate(BaseModel):
    """A tube: one person's sample, or a pooled tube (混检) of up to 10 or 20 persons."""

    tube_code: str = Field(pattern=TUBE_PATTERN, description="the tube's barcode (试管编号)")
    kind: SampleKind = SampleKind.NUCLEIC_ACID
    reason: Reason = Reason.MASS
    pool: Pool | None = Field(default=None, description="single, pool10 or pool20; by default "
                              "single for one person, else the smallest pool that holds them")
    person_ids: list[int] = Field(default_factory=list, max_length=20)
    id_numbers: list[str] = Field(default_factory=list, max_length=20,
                                  description="persons by resident ID number, in the caller's "
                                  "area (with or instead of person_ids)")
    collected_at: datetime | None = Field(default=None, description="now when not given")
    collected_where: str = Field(default="", max_length=200)

    _ids = field_validator("person_ids", "id_numbers", mode="before")(_list)
    _at = field_validator("collected_at")(_local)
    _code = field_validator("tube_code", mode="before")(_tube)


class ResultIn(BaseModel):
    result: Result = Field(description="negative, positive or invalid")
    reported_at: datetime | None = Field(default=None, description="now when not given")
    lab: str = Field(default="", max_length=100)

    _at = field_validator("reported_at")(_local)

    @field_validator("result")
    @classmethod
    def _reported(cls, value: Result) -> Result:
        if value is Result.PENDING:
            raise ValueError("pending is not a result")
        return value


class SampleFilter(BaseModel):
    area: str | None = Field(default=None, pattern=AREA_PATTERN)
    day: date | None = Field(default=None, description="collected on this local day")
    result: Result | None = None
    kind: SampleKind | None = None
    tube: str | None = Field(default=None, max_length=40, description="tube code starts with")


class SampleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tube_code: str
    area_code: str
    kind: SampleKind
    reason: Reason
    pooled: bool
    collected_at: datetime
    collected_where: str
    collected_by_id: int | None
    result: Result
    result_at: datetime | None
    lab: str
    persons: int = 0


class MemberRead(BaseModel):
    person_id: int
    name: str
    id_number: str | None = Field(description="masked")
    area_code: str
    retest: Retest


class ResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sample_id: int
    result: Result
    reported_at: datetime
    lab: str
    batch_id: int | None
    recorded_by_id: int | None
    recorded_at: datetime


class SampleDetail(SampleRead):
    members: list[MemberRead] = Field(default_factory=list)
    results: list[ResultRead] = Field(default_factory=list)


class RecordedRead(BaseModel):
    """What recording a result did: `added` to the history or `unchanged` (already there)."""

    outcome: str
    sample: SampleRead


class PositiveFilter(BaseModel):
    status: PositiveStatus | None = PositiveStatus.OPEN
    area: str | None = Field(default=None, pattern=AREA_PATTERN)


class PositiveRead(BaseModel):
    id: int
    person_id: int
    name: str
    id_number: str | None = Field(description="masked")
    sample_id: int
    tube_code: str
    area_code: str
    pooled: bool
    raised_at: datetime
    status: PositiveStatus
    handled_at: datetime | None
    handled_note: str


class PositiveHandle(BaseModel):
    note: str = Field(min_length=1, max_length=2000, description="what was done (处置情况)")


class RetestFilter(BaseModel):
    area: str | None = Field(default=None, pattern=AREA_PATTERN)


class RetestRead(BaseModel):
    person_id: int
    name: str
    id_number: str | None = Field(description="masked")
    area_code: str
    sample_id: int
    tube_code: str
    collected_at: datetime


class ImportRead(BaseModel):
    """A lab file's import: its per-row outcome counts and where to fetch the rejected rows."""

    id: int
    filename: str
    status: str
    counts: dict[str, int]
    message: str
    rejected_url: str | None = None


def dump(data: BaseModel) -> dict[str, Any]:
    return data.model_dump(exclude_none=True)
