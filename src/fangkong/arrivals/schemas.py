"""Pydantic schemas of key areas, rules, checkpoints and arrivals (JSON API and HTML forms)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from fangkong.arrivals.codes import CheckpointKind, RiskLevel, RuleAction
from fangkong.arrivals.places import resolve_place
from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.registry.validators import (
    normalise_name,
    normalise_phone,
    normalise_text,
    parse_id_number,
)

AREA_PATTERN = r"^[0-9]{2,32}$"
DIVISION_PATTERN = r"^([0-9]{2}|[0-9]{4}|[0-9]{6})$"
MIN_TEMPERATURE = Decimal("34.0")
MAX_TEMPERATURE = Decimal("43.0")
MAX_GROUP = 20
_DOCUMENT = N_("A document number has 5 to 20 letters and digits.")


def clean_text(value: object) -> object:
    return "" if value is None else normalise_text(value) if isinstance(value, str) else value


class KeyAreaCreate(BaseModel):
    division_code: str = Field(description="a province (2 digits), city (4) or county (6)")
    risk_level: RiskLevel
    valid_from: date
    notes: str = Field(default="", max_length=2000)

    @field_validator("division_code", mode="before")
    @classmethod
    def _division(cls, value: object) -> object:
        return division_code_of(value)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: object) -> object:
        return clean_text(value)


class KeyAreaChange(BaseModel):
    """A new level from a day on; the current row ends the day before."""

    risk_level: RiskLevel
    valid_from: date


class KeyAreaClose(BaseModel):
    """The region stops being a key area from this day on."""

    valid_from: date


class KeyAreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    division_code: str
    name: str
    risk_level: str
    valid_from: date
    valid_to: date | None
    notes: str


class RiskRead(BaseModel):
    division_code: str
    on: date
    risk_level: str


class RuleUpdate(BaseModel):
    within_days: int = Field(ge=1, le=60)
    action: RuleAction
    duration_days: int = Field(ge=0, le=60)
    requires_test: bool = False

    @field_validator("requires_test", mode="before")
    @classmethod
    def _unchecked(cls, value: object) -> object:
        return False if value is None else value


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    risk_level: str
    within_days: int
    action: str
    duration_days: int
    requires_test: bool


class CheckpointCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: CheckpointKind
    area_code: str = Field(pattern=AREA_PATTERN)
    address: str = Field(default="", max_length=200)
    active: bool = True

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: object) -> object:
        return clean_text(value)


class CheckpointUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: CheckpointKind | None = None
    area_code: str | None = Field(default=None, pattern=AREA_PATTERN)
    address: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class CheckpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    area_code: str
    address: str
    active: bool
    public_token: str


def division_code_of(value: object) -> object:
    """A picker value (`4201 湖北省 武汉市`), a code or an exact name → the division code."""
    if not isinstance(value, str) or not value.strip():
        return value
    code = resolve_place(value)
    if code is None:
        raise ValueError(N_("Choose a province, city or county from the list."))
    return code


def leading_code(value: object) -> object:
    """An area picker value (`220102001001 幸福社区`) → its code; blank → None."""
    if not isinstance(value, str):
        return value
    head = value.strip().split(" ", 1)[0]
    return head or None


def check_document(id_type: str, value: object, field: str = "id_number") -> str:
    """A resident ID checked and normalised (GB 11643); other documents: 5-20 letters/digits."""
    if id_type == IdType.RESIDENT_ID:
        return parse_id_number(value, field=field).number
    text = "".join(normalise_text(str(value or "")).split()).upper()
    if not (5 <= len(text) <= 20 and text.isascii() and text.isalnum()):
        raise Invalid(_DOCUMENT, fields={field: _DOCUMENT})
    return text


def parse_temperature(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValueError(N_("Enter the temperature as a number, such as 36.5.")) from None
    if not MIN_TEMPERATURE <= number <= MAX_TEMPERATURE:
        raise ValueError(N_("A body temperature lies between 34 and 43 °C."))
    return number


def _reraise(error: Invalid) -> ValueError:
    return ValueError(error.message)


class PersonIn(BaseModel):
    """One traveller of a group: who they are and what was measured."""

    name: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str
    phone: str = ""
    temperature: Decimal | None = Field(default=None, description="°C, 34 to 43")

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        try:
            return normalise_name(str(value or ""))
        except Invalid as error:
            raise _reraise(error) from None

    @field_validator("id_type", mode="before")
    @classmethod
    def _id_type(cls, value: object) -> object:
        return IdType.RESIDENT_ID if value is None else value

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_number(cls, value: object, info: ValidationInfo) -> object:
        id_type = info.data.get("id_type")
        if id_type is None:
            return value
        try:
            return check_document(str(id_type), value)
        except Invalid as error:
            raise _reraise(error) from None

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        try:
            return normalise_phone(value if isinstance(value, str | int) else str(value))
        except Invalid as error:
            raise _reraise(error) from None

    @field_validator("temperature", mode="before")
    @classmethod
    def _temperature(cls, value: object) -> object:
        return parse_temperature(value)


class ArrivalCreate(BaseModel):
    """A group arriving together: one trip, one or more persons (the first is the contact)."""

    checkpoint_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    origin_code: str = Field(description="the division they come from: 2, 4 or 6 digits")
    transport: str = Field(default="", max_length=50, description="train, flight or plate")
    arrived_at: datetime | None = Field(default=None, description="default now; not future")
    destination_address: str = Field(default="", max_length=200)
    destination_code: str | None = Field(
        default=None, pattern=AREA_PATTERN,
        description="the destination community; else matched from the registry or the district")
    district_code: str | None = Field(
        default=None, pattern=AREA_PATTERN, description="the district when there is no address")
    reason: str = Field(default="", max_length=200)
    people: list[PersonIn] = Field(min_length=1, max_length=MAX_GROUP)

    @field_validator("origin_code", mode="before")
    @classmethod
    def _origin(cls, value: object) -> object:
        return division_code_of(value)

    @field_validator("destination_code", "district_code", mode="before")
    @classmethod
    def _area(cls, value: object) -> object:
        return leading_code(value)

    @field_validator("transport", "destination_address", "reason", mode="before")
    @classmethod
    def _free_text(cls, value: object) -> object:
        return clean_text(value)


class ArrivalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    area_code: str
    checkpoint_id: int | None
    source: str
    group_code: str | None
    name: str
    id_type: str
    id_number: str = Field(description="masked unless the caller may identify persons")
    phone: str = Field(description="masked unless the caller may identify persons")
    origin_code: str
    origin_risk: str
    transport: str
    arrived_at: datetime
    temperature: Decimal | None
    destination_address: str
    household_id: int | None
    person_id: int | None
    reason: str
    rule_action: str
    booking_id: int | None
    status: str
    contact_due_at: datetime | None
    contacted_at: datetime | None
    contact_note: str
    confirmation_code: str
    created_at: datetime


class ArrivalFilter(BaseModel):
    status: str | None = Field(default=None, max_length=16)
    origin_risk: RiskLevel | None = None
    checkpoint_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    overdue: bool | None = None
    day: date | None = Field(default=None, description="arrival day (local)")
    area: str | None = Field(default=None, pattern=AREA_PATTERN)
    q: str | None = Field(default=None, max_length=50, description="name or confirmation code")


class ContactIn(BaseModel):
    note: str = Field(default="", max_length=2000)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> object:
        return "" if value is None else value


class RouteIn(BaseModel):
    area_code: str = Field(pattern=AREA_PATTERN, description="a community (or grid) to route to")

    @field_validator("area_code", mode="before")
    @classmethod
    def _area(cls, value: object) -> object:
        return leading_code(value)


class RegisteredRead(BaseModel):
    """What a registration did: the arrivals of the group and which of them were merged."""

    group_code: str
    arrivals: list[ArrivalRead]
    merged: list[int]


class DivisionRead(BaseModel):
    code: str
    name: str
    full_name: str


def nested_rows(data: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Form fields `people.0.name`, `people.1.name` … gathered into rows; empty rows dropped."""
    rows: dict[int, dict[str, Any]] = {}
    for key in list(data):
        head, _, rest = key.partition(".")
        index, _, name = rest.partition(".")
        if head == prefix and index.isdigit() and name and int(index) < 100:
            rows.setdefault(int(index), {})[name] = data.pop(key)
    filled = [rows[index] for index in sorted(rows)]
    return [row for row in filled if any(v for k, v in row.items() if k != "id_type")]
