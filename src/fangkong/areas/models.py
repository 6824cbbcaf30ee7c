"""The area tree (城市 > 区 > 街道 > 社区 > 网格) and responsible leaders (包保)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.areas.schemas import DUTY_LABELS, LeaderDuty
from fangkong.db import Base, utcnow


class AreaLevel(Base):
    """One level of the tree; depth, digits and names are data, five levels by default."""

    __tablename__ = "area_levels"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    code_length: Mapped[int] = mapped_column(Integer, unique=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(32))


class Area(Base):
    """A node of the tree; its code extends its parent's (统计用区划代码)."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(ForeignKey("area_levels.key"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    pinyin: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_areas_name", "name"),)

    @property
    def area_code(self) -> str:
        return self.code


class Leader(Base):
    """A leader answerable for an area: 包保领导 or 书记 (五级书记)."""

    __tablename__ = "leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    duty: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def duty_label(self) -> str:
        """The message id naming the duty, translated where it is shown."""
        return DUTY_LABELS.get(LeaderDuty(self.duty), self.duty)
