"""Key areas with risk levels, the rules that follow, checkpoints, arrivals, return bookings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, BigId, utcnow


class KeyArea(Base):
    """A region (province, city or county by division code) with a risk level over dates.

    A change of level closes the current row (`valid_to`) and opens a new one: history is kept.
    """

    __tablename__ = "key_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100))
    risk_level: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArrivalRule(Base):
    """Policy data: what follows from arriving from an area of a risk level within N days."""

    __tablename__ = "arrival_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_level: Mapped[str] = mapped_column(String(8), unique=True)
    within_days: Mapped[int] = mapped_column(Integer, default=14)
    action: Mapped[str] = mapped_column(String(24))
    duration_days: Mapped[int] = mapped_column(Integer, default=14)
    requires_test: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Checkpoint(Base):
    """卡口: a railway station, airport, highway exit or bus station, with its public QR token."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    public_token: Mapped[str] = mapped_column(String(43), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Arrival(Base):
    """One person's arrival, registered by staff or by the traveller; queued at a community."""

    __tablename__ = "arrivals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"))
    source: Mapped[str] = mapped_column(String(8))
    group_code: Mapped[str | None] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[str] = mapped_column(String(16), default="resident_id")
    id_number: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(30), default="")
    origin_code: Mapped[str] = mapped_column(String(12))
    origin_risk: Mapped[str] = mapped_column(String(8), default="none")
    transport: Mapped[str] = mapped_column(String(50), default="")
    arrived_at: Mapped[datetime] = mapped_column()
    temperature: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    destination_address: Mapped[str] = mapped_column(String(200), default="")
    household_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    rule_action: Mapped[str] = mapped_column(String(24), default="none")
    booking_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("return_bookings.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    contact_due_at: Mapped[datetime | None] = mapped_column()
    contacted_at: Mapped[datetime | None] = mapped_column()
    contacted_by_id: Mapped[int | None] = mapped_column(Integer)
    contact_note: Mapped[str] = mapped_column(Text, default="")
    confirmation_code: Mapped[str] = mapped_column(String(16), unique=True)
    registered_by_id: Mapped[int | None] = mapped_column(Integer)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_arrivals_area_code_status", "area_code", "status"),
        Index("ix_arrivals_id_number_arrived_at", "id_number", "arrived_at"),
        Index("ix_arrivals_checkpoint_id_arrived_at", "checkpoint_id", "arrived_at"),
        Index("ix_arrivals_client_addr_created_at", "client_addr", "created_at"),
    )


class ReturnQuota(Base):
    """错峰返程: a district's daily quota of returns for one origin risk level."""

    __tablename__ = "return_quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    day: Mapped[date] = mapped_column(Date)
    risk_level: Mapped[str] = mapped_column(String(8))
    quota: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("area_code", "day", "risk_level"),)


class ReturnBooking(Base):
    """A booked return date, by a person or by a company for its employees."""

    __tablename__ = "return_bookings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    district_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    risk_level: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[str] = mapped_column(String(16), default="resident_id")
    id_number: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(30), default="")
    origin_code: Mapped[str] = mapped_column(String(12))
    destination_address: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="booked")
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_return_bookings_area_code_day", "area_code", "day"),
        Index("ix_return_bookings_id_number_day", "id_number", "day"),
    )
