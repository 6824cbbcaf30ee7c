"""What the dashboard's JSON endpoints answer (labels already in the caller's language)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Value = int | float | None


class FigureRead(BaseModel):
    key: str = Field(description='"<section>.<column>" of the daily report')
    label: str
    kind: Literal["count", "percent"] = "count"
    higher_is_worse: bool = False


class HeadlineRead(FigureRead):
    value: Value
    delta: Value = Field(description="change since yesterday")


class ChildFigures(BaseModel):
    code: str
    name: str
    values: dict[str, Value]


class LeaderItem(BaseModel):
    name: str
    title: str = ""
    phone: str = ""


class LaggardRead(BaseModel):
    code: str
    name: str
    coverage: Value = Field(description="screening coverage (%)")
    overdue: int = Field(description="items needing attention (missing checks, overdue …)")
    leaders: list[LeaderItem] = []


class AlertItem(BaseModel):
    id: int
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    raised_at: datetime


class DashboardRead(BaseModel):
    area_code: str
    area_name: str
    area_level: str
    day: date
    generated_at: datetime
    headline: list[HeadlineRead]
    figures: list[FigureRead] = Field(description="the figures the map can be coloured by")
    children: list[ChildFigures] = Field(description="each child area's figures (map values)")
    laggards: list[LaggardRead]
    alerts: list[AlertItem]


class TrendSeries(BaseModel):
    key: str
    label: str
    values: list[Value]


class TrendsRead(BaseModel):
    area_code: str
    days: list[date]
    series: list[TrendSeries]


class ShapeImportRead(BaseModel):
    imported: list[str]
    errors: list[dict[str, Any]] = Field(description="{feature, code, message} per refusal")
