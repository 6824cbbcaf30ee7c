"""Samples with their persons (pooled tubes hold up to 20), result history, positives to handle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, BigId, utcnow

SAMPLES_FILLFACTOR = 50


class Sample(Base):
    """One tube: a single person's sample or a pooled one (混检); `area_code` where taken for."""

    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tube_code: Mapped[str] = mapped_column(String(40), unique=True)
    area_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="nucleic_acid")
    reason: Mapped[str] = mapped_column(String(16))
    pooled: Mapped[bool] = mapped_column(default=False)
    collected_at: Mapped[datetime] = mapped_column()
    collected_where: Mapped[str] = mapped_column(String(200), default="")
    collected_by_id: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(16), default="pending")
    result_at: Mapped[datetime | None] = mapped_column()
    lab: Mapped[str] = mapped_column(String(100), default="")

    # A tube is written twice: when taken, and once more when its result comes in. Pages
    # filled to half leave room for that second version beside the first, so PostgreSQL
    # updates the row in place (a "HOT" update: result, result_at and lab are in no index) and
    # writes no index entry for it; a lab file of a million results is mostly such updates
    # (at 70 % only about four in ten found room).
    __table_args__ = (Index("ix_samples_area_code_collected_at", "area_code", "collected_at"),
                      {"postgresql_with": {"fillfactor": SAMPLES_FILLFACTOR}})


class SampleMember(Base):
    """A person in a tube; a positive pooled tube marks each member for retesting."""

    __tablename__ = "sample_members"

    sample_id: Mapped[int] = mapped_column(BigId, ForeignKey("samples.id", ondelete="CASCADE"),
                                           primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), primary_key=True,
                                           index=True)
    area_code: Mapped[str] = mapped_column(String(32))
    retest: Mapped[str] = mapped_column(String(16), default="none")


class ResultEntry(Base):
    """Append-only history of results reported for a tube (by form or by a lab file)."""

    __tablename__ = "sample_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sample_id: Mapped[int] = mapped_column(BigId, ForeignKey("samples.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    reported_at: Mapped[datetime] = mapped_column()
    lab: Mapped[str] = mapped_column(String(100), default="")
    batch_id: Mapped[int | None] = mapped_column(BigId)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Positive(Base):
    """A person with a positive result, on the "positive, to handle" list of their community."""

    __tablename__ = "positives"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    sample_id: Mapped[int] = mapped_column(BigId, ForeignKey("samples.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    pooled: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_at: Mapped[datetime | None] = mapped_column()
    handled_by_id: Mapped[int | None] = mapped_column(Integer)
    handled_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_positives_area_code_status", "area_code", "status"),)
