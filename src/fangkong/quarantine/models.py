"""Sites and rooms, quarantines with extensions, health checks, alerts, life support, notes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
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


class Site(Base):
    """A centralised quarantine site (集中隔离点): a hotel, a dormitory."""

    __tablename__ = "quarantine_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="hotel")
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    staff: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Room(Base):
    __tablename__ = "quarantine_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("quarantine_sites.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    occupants: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("site_id", "number"),)


class Quarantine(Base):
    """A person's quarantine or health monitoring; `area_code` is the responsible home grid."""

    __tablename__ = "quarantines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine_sites.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine_rooms.id"))
    home_address: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    source_id: Mapped[int | None] = mapped_column(BigId)
    ordered_by_id: Mapped[int | None] = mapped_column(Integer)
    ordered_by_name: Mapped[str] = mapped_column(String(100), default="")
    ordered_at: Mapped[datetime] = mapped_column(default=utcnow)
    order_note: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str] = mapped_column(Text, default="")
    hospital: Mapped[str] = mapped_column(String(100), default="")
    check_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    check_token_revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_quarantines_area_code_status", "area_code", "status"),)


class Extension(Base):
    __tablename__ = "quarantine_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarantine_id: Mapped[int] = mapped_column(BigId, ForeignKey("quarantines.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class HealthCheck(Base):
    """A twice-daily check: temperature and symptoms, by the grid worker or the person."""

    __tablename__ = "health_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    quarantine_id: Mapped[int] = mapped_column(BigId, ForeignKey("quarantines.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    window: Mapped[int] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    temperature: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    by: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_health_checks_quarantine_id_day", "quarantine_id", "day"),)


class Alert(Base):
    """Fever, symptom, missed check or positive result: to the community and up the chain."""

    __tablename__ = "quarantine_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    quarantine_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("quarantines.id"))
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(Integer)
    action_taken: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_quarantine_alerts_area_code_status", "area_code", "status"),)


class SupportRequest(Base):
    """生活保障: food, medicine, utilities, garbage … requested, assigned, delivered."""

    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    quarantine_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("quarantines.id"))
    person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    household_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("households.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column()
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    assignee_name: Mapped[str] = mapped_column(String(100), default="")
    assigned_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    delivered_by_id: Mapped[int | None] = mapped_column(Integer)
    outcome_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_support_requests_area_code_status", "area_code", "status"),)


class SupportNote(Base):
    """思想工作 / 心理疏导 recorded for a person."""

    __tablename__ = "support_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    quarantine_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("quarantines.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(Integer)
    by_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
