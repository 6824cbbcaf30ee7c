"""Pydantic schemas: each validates both the JSON body and the HTML form."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fangkong.i18n import N_
from fangkong.quarantine.codes import (
    AlertKind,
    AlertStatus,
    NoteKind,
    QuarantineKind,
    QuarantineSource,
    QuarantineStatus,
    SiteKind,
    SupportCategory,
    SupportStatus,
    Symptom,
    Urgency,
)

AREA_PATTERN = r"^[0-9]{2,32}$"
MIN_CELSIUS = Decimal("34.0")
MAX_CELSIUS = Decimal("43.0")
TEMPERATURE_MESSAGE = N_("Enter a temperature between 34.0 and 43.0 °C.")


def _split_list(value: object) -> object:
    """A form's comma-separated text (or repeated fields) as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# --- sites and rooms ---------------------------------------------------------------------------


class SiteCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: SiteKind = SiteKind.HOTEL
    area_code: str = Field(pattern=AREA_PATTERN, description="the area the site lies in")
    address: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=100)
    staff: str = Field(default="", max_length=2000)


class SiteUpdate(BaseModel):
    """Only the fields given change; a site stays in its area."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: SiteKind | None = None
    address: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=100)
    staff: str | None = Field(default=None, max_length=2000)
    active: bool | None = None


class Occupancy(BaseModel):
    rooms: int = 0
    beds: int = 0
    occupied: int = 0

    @property
    def free(self) -> int:
        return self.beds - self.occupied


class OccupancyRead(BaseModel):
    rooms: int
    beds: int
    occupied: int
    free: int


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: SiteKind
    area_code: str
    address: str
    contact: str
    staff: str
    active: bool
    occupancy: OccupancyRead | None = None


class RoomsCreate(BaseModel):
    numbers: str = Field(min_length=1, max_length=500,
                         description="room numbers: `101-120, 201, 202`")
    capacity: int = Field(default=1, ge=1, le=20)


class RoomUpdate(BaseModel):
    capacity: int = Field(ge=1, le=20)


class RoomRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    number: str
    capacity: int
    occupants: int


# --- quarantines ---------------------------------------------------------------------------------


class QuarantineStart(BaseModel):
    person_id: int = Field(ge=1, le=2**63 - 1)
    together_with: list[int] = Field(
        default_factory=list, max_length=19,
        description="household members placed with the person (one room for all)")
    kind: QuarantineKind
    starts_on: date
    days: int | None = Field(default=None, ge=1, le=60,
                             description="length; the policy's default when empty")
    site_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    room_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    home_address: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)

    _together = field_validator("together_with", mode="before")(_split_list)


class ExtendIn(BaseModel):
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=2000)


class ReleaseIn(BaseModel):
    note: str = Field(default="", max_length=2000)
    override_reason: str = Field(
        default="", max_length=2000,
        description="why the person is released although the rule is not met")


class TransferIn(BaseModel):
    hospital: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class EndEarlyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class QuarantineRead(BaseModel):
    id: int
    person_id: int
    person_name: str
    id_number: str | None = Field(description="masked")
    area_code: str
    kind: QuarantineKind
    site_id: int | None
    room_id: int | None
    room_number: str | None
    home_address: str
    starts_on: date
    planned_end: date
    status: QuarantineStatus
    source: QuarantineSource
    source_id: int | None
    ordered_by_name: str
    ordered_at: datetime
    order_note: str
    ended_at: datetime | None
    end_reason: str
    hospital: str
    check_link: bool = Field(description="a personal check link is live")


class QuarantineFilter(BaseModel):
    status: QuarantineStatus | None = QuarantineStatus.ACTIVE
    kind: QuarantineKind | None = None
    area: str | None = Field(default=None, pattern=AREA_PATTERN)
    site_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    ending_by: date | None = Field(default=None, description="planned end on or before")
    q: str | None = Field(default=None, max_length=60, description="the person's name contains")


class CheckLinkRead(BaseModel):
    path: str = Field(description="the personal check page; shown once, stored only hashed")
    token: str


# --- checks and alerts -------------------------------------------------------------------------


class CheckIn(BaseModel):
    temperature: Decimal = Field(max_digits=4, decimal_places=1)
    symptoms: list[Symptom] = Field(default_factory=list, max_length=8)
    notes: str = Field(default="", max_length=500)

    _symptoms = field_validator("symptoms", mode="before")(_split_list)

    @field_validator("temperature")
    @classmethod
    def _in_range(cls, value: Decimal) -> Decimal:
        if not MIN_CELSIUS <= value <= MAX_CELSIUS:
            raise ValueError(TEMPERATURE_MESSAGE)
        return value


class CheckRead(BaseModel):
    id: int
    quarantine_id: int
    day: date
    window: int
    outside_window: bool = Field(description="taken outside every window: counted for the "
                                             "nearest previous one")
    checked_at: datetime
    temperature: Decimal
    symptoms: list[str]
    by: str
    alert: AlertKind | None


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    quarantine_id: int | None
    person_id: int
    area_code: str
    kind: AlertKind
    detail: dict[str, Any]
    raised_at: datetime
    status: AlertStatus
    acknowledged_at: datetime | None
    action_taken: str


class AlertFilter(BaseModel):
    status: AlertStatus | None = AlertStatus.OPEN
    kind: AlertKind | None = None
    area: str | None = Field(default=None, pattern=AREA_PATTERN)


class AlertAck(BaseModel):
    action_taken: str = Field(min_length=1, max_length=2000)
    close: bool = False


# --- life support and notes --------------------------------------------------------------------


class SupportCreate(BaseModel):
    category: SupportCategory
    urgency: Urgency = Urgency.NORMAL
    details: str = Field(default="", max_length=2000)


class SupportAssign(BaseModel):
    assignee_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                    description="a user in the caller's area")
    assignee_name: str = Field(default="", max_length=100,
                               description="a name, for someone without an account")


class SupportDeliver(BaseModel):
    note: str = Field(default="", max_length=2000)


class SupportCancel(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class SupportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    quarantine_id: int | None
    person_id: int | None
    household_id: int | None
    area_code: str
    category: SupportCategory
    urgency: Urgency
    details: str
    status: SupportStatus
    requested_at: datetime
    due_at: datetime
    overdue: bool = False
    assignee_id: int | None
    assignee_name: str
    assigned_at: datetime | None
    delivered_at: datetime | None
    outcome_note: str


class SupportFilter(BaseModel):
    status: SupportStatus | None = None
    category: SupportCategory | None = None
    overdue: bool | None = None


class NoteCreate(BaseModel):
    kind: NoteKind
    note: str = Field(min_length=1, max_length=4000)


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    quarantine_id: int | None
    kind: NoteKind
    note: str
    by_name: str
    at: datetime


# --- placing -------------------------------------------------------------------------------------


class PlaceIn(BaseModel):
    """The one-click start from the "to place" list; every field may stay empty."""

    kind: QuarantineKind | None = None
    site_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    grid: str | None = Field(default=None, pattern=AREA_PATTERN,
                             description="for an arrival without a registry record: its grid")


class ToPlaceRead(BaseModel):
    community: str
    area_code: str
    name: str
    person_id: int | None
    arrival_id: int | None
    follow_up_id: int | None
    reasons: list[str]
    kind: QuarantineKind
    days: int
    since: datetime
