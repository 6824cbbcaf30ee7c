"""Pydantic schemas of households and persons, shared by the JSON API and the HTML forms."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fangkong.errors import Invalid
from fangkong.registry.codes import (
    LABELS,
    HouseholdKind,
    IdType,
    PersonStatus,
    Relation,
    Residence,
    Sex,
    Tag,
)
from fangkong.registry.validators import mask_id_number, mask_phone, parse_date

GRID_PATTERN = r"^[0-9]{2,32}$"
CODE_PATTERN = r"^[0-9A-Za-z\-]{1,40}$"

def label_of(kind: type[StrEnum], value: str | None) -> str:
    """The message id of a stored code's label (translate it at the edge)."""
    if value is None:
        return ""
    return LABELS.get((kind, value), value)


def choices(kind: type[StrEnum]) -> list[tuple[str, str]]:
    """(code, label message id) of every member, for a form's select or checkboxes."""
    return [(member.value, label_of(kind, member.value)) for member in kind]


class AgeBand(StrEnum):
    """Age bands of the person list's filter, in full years."""

    CHILD = "0-6"
    MINOR = "7-17"
    ADULT = "18-59"
    SENIOR = "60-79"
    ELDER = "80+"

    @property
    def bounds(self) -> tuple[int, int | None]:
        low, _, high = self.value.rstrip("+").partition("-")
        return int(low), int(high) if high else None


def _date_or_none(value: object, field: str) -> object:
    """Accept 2020-02-03 and the forms people type (2020/2/3, 20200203, 2020年2月3日)."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return parse_date(value, field=field)
    except Invalid as error:
        raise ValueError(error.message) from None


class _Text(BaseModel):
    """Blank text becomes "" rather than None for the free-text fields."""

    @field_validator("occupation", "notes", "phone", "head_name", mode="before",
                     check_fields=False)
    @classmethod
    def _blank_text(cls, value: object) -> object:
        return "" if value is None else value


class HouseholdCreate(_Text):
    area_code: str = Field(pattern=GRID_PATTERN, description="the grid of the household")
    address: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, pattern=CODE_PATTERN,
                             description="户编号; generated from the grid when empty")
    kind: HouseholdKind = HouseholdKind.FAMILY
    head_name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    notes: str = Field(default="", max_length=2000)


class HouseholdUpdate(BaseModel):
    """Only the fields given change; a household stays in its grid."""

    address: str | None = Field(default=None, min_length=1, max_length=200)
    kind: HouseholdKind | None = None
    head_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    notes: str | None = Field(default=None, max_length=2000)


class HouseholdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    area_code: str
    address: str
    kind: HouseholdKind
    head_name: str
    phone: str = Field(description="masked unless revealed")
    members: int
    notes: str


class HouseholdFilter(BaseModel):
    area: str | None = Field(default=None, pattern=GRID_PATTERN,
                             description="an area code; its households and those below it")
    q: str | None = Field(default=None, max_length=100,
                          description="address or head's name contains, or the code exactly")


class PersonFields(_Text):
    """What a person's form carries besides the household."""

    name: str = Field(min_length=1, max_length=60)
    relation: Relation = Relation.OTHER
    sex: Sex | None = None
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str | None = Field(default=None, max_length=40)
    birth_date: date | None = None
    phone: str = Field(default="", max_length=40)
    residence: Residence = Residence.RESIDENT
    occupation: str = Field(default="", max_length=100)
    notes: str = Field(default="", max_length=2000)
    tags: list[Tag] = Field(default_factory=list)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date(cls, value: object) -> object:
        return _date_or_none(value, "birth_date")


class PersonCreate(PersonFields):
    household_id: int | None = Field(default=None, description="the household; else area_code")
    area_code: str | None = Field(default=None, pattern=GRID_PATTERN,
                                  description="the grid of a person without a household")


class PersonUpdate(BaseModel):
    """Only the fields given change (null clears a clearable field); tags replace all tags."""

    name: str | None = Field(default=None, min_length=1, max_length=60)
    relation: Relation | None = None
    sex: Sex | None = None
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, max_length=40)
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=40)
    residence: Residence | None = None
    occupation: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=2000)
    tags: list[Tag] | None = None

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date(cls, value: object) -> object:
        return _date_or_none(value, "birth_date")


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    area_code: str
    household_id: int | None
    relation: Relation
    name: str
    sex: Sex | None
    id_type: IdType
    id_number: str | None = Field(description="masked unless revealed")
    birth_date: date | None
    phone: str = Field(description="masked unless revealed")
    residence: Residence
    occupation: str
    notes: str
    status: PersonStatus
    merged_into_id: int | None
    tags: list[Tag] = Field(default_factory=list)
    revealed: bool = False


class PersonFilter(BaseModel):
    area: str | None = Field(default=None, pattern=GRID_PATTERN,
                             description="an area code; its persons and those below it")
    q: str | None = Field(default=None, max_length=60,
                          description="name contains, or ID number or phone exactly")
    tag: Tag | None = None
    residence: Residence | None = None
    age: AgeBand | None = None
    status: PersonStatus = PersonStatus.ACTIVE
    household_id: int | None = None


class PersonMoveIn(BaseModel):
    household_id: int
    relation: Relation | None = None
    reason: str = Field(default="", max_length=200)


class PersonMergeIn(BaseModel):
    duplicate_id: int = Field(description="the record merged into this one (it is retired)")


class PersonStatusIn(BaseModel):
    status: PersonStatus
    reason: str = Field(default="", max_length=200)


class MoveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_household_id: int | None
    to_household_id: int | None
    from_area_code: str
    area_code: str
    reason: str


class AreaTotalsRead(BaseModel):
    area_code: str
    name: str
    households: int
    persons: int
    tags: dict[str, int]


class RegistryTotalsRead(BaseModel):
    area_code: str
    level: str | None = Field(description="the level of the rows; null when the area is a grid")
    rows: list[AreaTotalsRead]
    total: AreaTotalsRead


class DuplicateGroupRead(BaseModel):
    strength: str = Field(description="strong: same name, phone and birth date; weak: same name"
                                      " and birth date, different phones")
    persons: list[PersonRead]


def person_read(person: Any, tags: list[str], *, reveal: bool = False) -> PersonRead:
    """A person for display: ID number and phone masked unless revealed."""
    read = PersonRead.model_validate(person)
    read.tags = [Tag(tag) for tag in tags]
    if not reveal:
        read.id_number = mask_id_number(read.id_number) if read.id_number else None
        read.phone = mask_phone(read.phone) if read.phone else ""
    read.revealed = reveal
    return read


def household_read(household: Any, *, reveal: bool = False) -> HouseholdRead:
    """A household for display: its phone masked unless revealed."""
    read = HouseholdRead.model_validate(household)
    if not reveal and read.phone:
        read.phone = mask_phone(read.phone)
    return read


def dump_fields(data: BaseModel) -> dict[str, Any]:
    """The fields a client actually gave (for partial updates)."""
    return data.model_dump(exclude_unset=True)
