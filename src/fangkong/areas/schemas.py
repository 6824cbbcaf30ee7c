"""Pydantic schemas of areas and leaders, shared by the JSON API and the HTML forms."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fangkong.i18n import N_


class LeaderDuty(StrEnum):
    """包保领导 (a leader assigned to answer for an area) or 书记 (the area's party secretary)."""

    RESPONSIBLE = "responsible"
    SECRETARY = "secretary"


DUTY_LABELS = {
    LeaderDuty.RESPONSIBLE: N_("Responsible leader"),
    LeaderDuty.SECRETARY: N_("Secretary"),
}

CODE_PATTERN = r"^[0-9]{2,32}$"


class AreaCreate(BaseModel):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    level: str = Field(min_length=1, max_length=32)
    parent_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    population: int | None = Field(default=None, ge=0, le=100_000_000)


class AreaUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    population: int | None = Field(default=None, ge=0, le=100_000_000)


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None


class AreaSummary(AreaRead):
    """An area with the number of its children and of the areas below it, per level."""

    children: int
    descendants: int
    by_level: dict[str, int]


class LeaderCreate(BaseModel):
    area_code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=50)
    title: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    duty: LeaderDuty = LeaderDuty.RESPONSIBLE
    notes: str = Field(default="", max_length=2000)


class LeaderUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    duty: LeaderDuty | None = None
    notes: str | None = Field(default=None, max_length=2000)


class LeaderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    area_code: str
    name: str
    title: str
    phone: str
    duty: LeaderDuty
    notes: str


class AreaRow(BaseModel):
    """One row of an area-tree file as read, every cell as clean text (empty when absent)."""

    row: int
    code: str = ""
    name: str = ""
    level: str = ""
    parent_code: str = ""
    population: str = ""
    problem: str = ""  # a message id when the reader already knows the row is unusable


class RejectedRow(BaseModel):
    """A row left out of an import: `reason` is the English message id, `message` its
    translation for the reader (filled in at the edge)."""

    row: int
    code: str
    name: str
    level: str
    parent_code: str
    population: str
    reason: str
    params: dict[str, str] = Field(default_factory=dict)
    message: str = ""


class ImportReport(BaseModel):
    """What an import did with each row of the file."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.rejected)

