"""Schemas of staggered return (错峰返程): district quotas and bookings."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fangkong.arrivals.codes import RiskLevel
from fangkong.arrivals.schemas import (
    AREA_PATTERN,
    PersonIn,
    clean_text,
    division_code_of,
    leading_code,
)

MAX_BOOKING_PEOPLE = 50


class QuotaSet(BaseModel):
    area_code: str = Field(pattern=AREA_PATTERN, description="the district")
    day: date
    risk_level: RiskLevel = Field(description="origin risk level the quota is for")
    quota: int = Field(ge=0, le=1_000_000)


class QuotaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_code: str
    day: date
    risk_level: str
    quota: int
    booked: int


class BookingPerson(PersonIn):
    """A person of a booking; no temperature is taken when booking."""


class BookingCreate(BaseModel):
    """A return date booked by a person, or by a company for several employees."""

    district_code: str = Field(pattern=AREA_PATTERN, description="the district returned to")
    destination_code: str | None = Field(default=None, pattern=AREA_PATTERN,
                                         description="the destination community, if known")
    destination_address: str = Field(default="", max_length=200)
    origin_code: str = Field(description="the division they come from: 2, 4 or 6 digits")
    day: date
    company: str = Field(default="", max_length=100)
    people: list[BookingPerson] = Field(min_length=1, max_length=MAX_BOOKING_PEOPLE)

    @field_validator("origin_code", mode="before")
    @classmethod
    def _origin(cls, value: object) -> object:
        return division_code_of(value)

    @field_validator("district_code", "destination_code", mode="before")
    @classmethod
    def _area(cls, value: object) -> object:
        return leading_code(value)

    @field_validator("destination_address", "company", mode="before")
    @classmethod
    def _free_text(cls, value: object) -> object:
        return clean_text(value)


class BookingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    area_code: str
    district_code: str
    day: date
    risk_level: str
    name: str
    id_type: str
    id_number: str = Field(description="masked unless the caller may identify persons")
    phone: str = Field(description="masked unless the caller may identify persons")
    origin_code: str
    destination_address: str
    company: str
    status: str
    reference: str
    created_at: datetime
