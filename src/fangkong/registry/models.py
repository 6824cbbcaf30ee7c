"""Households (户), persons (人), their tags, moves and merges, import batches, grid counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, BigId, utcnow


class Household(Base):
    """A household at an address in one grid; `code` is its natural key (户编号)."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    address: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="family")
    head_name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    members: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_households_area_code_address", "area_code", "address"),)


class Person(Base):
    """A person, counted once: a resident ID number is unique city-wide."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"))
    household_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str] = mapped_column(String(16), default="other")
    name: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str | None] = mapped_column(String(8))
    id_type: Mapped[str] = mapped_column(String(16), default="resident_id")
    id_number: Mapped[str | None] = mapped_column(String(32))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30), default="")
    residence: Mapped[str] = mapped_column(String(16), default="resident")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("id_type", "id_number"),
        Index("ix_persons_area_code_status", "area_code", "status"),
        Index("ix_persons_name_birth_date", "name", "birth_date"),
    )


class PersonTag(Base):
    """One special-group tag of a person (独居老人, 残疾人 …), with its area for listing by area."""

    __tablename__ = "person_tags"

    person_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_person_tags_area_code_tag", "area_code", "tag"),)


class PersonMove(Base):
    """History: a person moved from one household (and grid) to another."""

    __tablename__ = "person_moves"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    from_household_id: Mapped[int | None] = mapped_column(BigId)
    to_household_id: Mapped[int | None] = mapped_column(BigId)
    from_area_code: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")


class PersonMerge(Base):
    """History: a duplicate record merged into the kept one, with the merged record's data."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kept_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    merged_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"))
    area_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GridCounter(Base):
    """Maintained counts per grid (households, persons, tags); levels above sum by code prefix."""

    __tablename__ = "registry_counters"

    area_code: Mapped[str] = mapped_column(String(32), ForeignKey("areas.code"),
                                           primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportBatch(Base):
    """One import of a file: who, what, where, and its per-row outcome counts."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_import_batches_area_code_started_at", "area_code", "started_at"),)


class ImportRejection(Base):
    """A rejected row of an import, kept to download and correct: the raw row and its reasons."""

    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("import_batches.id",
                                                            ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    raw: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)


class ColumnMapping(Base):
    """A user's saved mapping of a sheet's headers to fields, reused on the next import."""

    __tablename__ = "column_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "kind"),)
