"""Submitted daily reports (frozen snapshots), area shapes for the map, bulletins and notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, BigId, utcnow


class ReportSubmission(Base):
    """A daily report of an area as submitted: a frozen snapshot, approved by the level above.

    A correction is a new version; earlier versions stay as they were reported.
    """

    __tablename__ = "report_submissions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(Integer)
    submitted_by_name: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_by_name: Mapped[str] = mapped_column(String(100), default="")
    review_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_report_submissions_area_code_day_version", "area_code", "day", "version",
              unique=True),
    )


class AreaShape(Base):
    """An area's outline for the map: a GeoJSON geometry (generated for the demo, or imported)."""

    __tablename__ = "area_shapes"

    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"),
                                           primary_key=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16), default="generated")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Bulletin(Base):
    """A published daily bulletin: never edited in place; a correction is a new version."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detail_level: Mapped[str] = mapped_column(String(32), default="district")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"))
    correction_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_bulletins_area_code_day", "area_code", "day"),)


class Notice(Base):
    """A public notice, rumour rebuttal (辟谣) or hotline/mailbox entry, drafted then published."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
