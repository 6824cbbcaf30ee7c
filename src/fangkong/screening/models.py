"""Screening rounds, visits to households with a line per member, follow-ups, coverage counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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
)
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, BigId, utcnow


class ScreeningRound(Base):
    """One round of door-to-door screening (排查轮次) over an area, with its own coverage."""

    __tablename__ = "screening_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """A grid worker at a household's door; the latest visit of a round sets its outcome."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"))
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    visited_at: Mapped[datetime] = mapped_column()
    visitor_id: Mapped[int | None] = mapped_column(Integer)
    visitor_name: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_visits_round_id_household_id", "round_id", "household_id"),
        Index("ix_visits_round_id_area_code", "round_id", "area_code"),
    )


class VisitMember(Base):
    """What the visit found for one member: present or away, temperature, symptoms, exposure."""

    __tablename__ = "visit_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(BigId, ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(32))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    away_where: Mapped[str] = mapped_column(String(200), default="")
    away_since: Mapped[date | None] = mapped_column(Date)
    temperature: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_area_travel: Mapped[bool] = mapped_column(Boolean, default=False)
    case_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")


class FollowUp(Base):
    """A person flagged by a visit (fever, symptoms, key-area travel, contact) for follow-up."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(32))
    visit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("visits.id"))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged_by_id: Mapped[int | None] = mapped_column(Integer)
    flagged_by_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_at: Mapped[datetime | None] = mapped_column()
    handled_by_id: Mapped[int | None] = mapped_column(Integer)
    handled_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_follow_ups_area_code_status", "area_code", "status"),)


class HouseholdStatus(Base):
    """The current outcome of each household in a round (one row per household reached)."""

    __tablename__ = "round_households"

    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"),
                                              primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    persons_seen: Mapped[int] = mapped_column(Integer, default=0)
    last_visit_id: Mapped[int] = mapped_column(BigId)
    last_visited_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_round_households_round_id_area_code", "round_id", "area_code"),)


class CoverageCounter(Base):
    """Maintained coverage of a round per grid: households by current outcome, persons seen.

    Any level above sums these rows by code prefix; nothing scans households or persons.
    """

    __tablename__ = "coverage_counters"

    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    visited: Mapped[int] = mapped_column(Integer, default=0)
    nobody_home: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    vacant: Mapped[int] = mapped_column(Integer, default=0)
    moved_away: Mapped[int] = mapped_column(Integer, default=0)
    persons_seen: Mapped[int] = mapped_column(Integer, default=0)


class CoverageDaily(Base):
    """Per round, grid, local day and visitor: households first reached and visits made."""

    __tablename__ = "coverage_daily"

    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
