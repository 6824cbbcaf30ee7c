"""What a commander fills in to draft a bulletin or a notice (one schema for form and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

NoticeKind = Literal["notice", "rumour", "hotline"]


class BulletinUpdate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    columns: list[str] = Field(min_length=1, description='the "<section>.<column>" published')
    detail_level: str = Field(min_length=1, max_length=32,
                              description="the lowest level shown, e.g. city or district")
    correction_note: str = Field(default="", max_length=2000)

    @field_validator("columns", mode="before")
    @classmethod
    def _as_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class BulletinCreate(BulletinUpdate):
    area_code: str = Field(pattern=r"^[0-9]{2,32}$")
    day: date
    supersedes_id: int | None = None


class NoticeCreate(BaseModel):
    kind: NoticeKind
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
