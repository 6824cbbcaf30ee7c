"""China's statistical division codes (统计用区划代码), shipped with the package as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    parent_code: str | None


def _read(name: str, parent_column: str | None) -> tuple[Division, ...]:
    path = files("fangkong") / "data" / "divisions" / name
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return tuple(
        Division(row["code"], row["name"], row[parent_column] if parent_column else None)
        for row in rows
    )


@lru_cache(maxsize=1)
def provinces() -> tuple[Division, ...]:
    return _read("provinces.csv", None)


@lru_cache(maxsize=1)
def cities() -> tuple[Division, ...]:
    return _read("cities.csv", "provinceCode")


@lru_cache(maxsize=1)
def counties() -> tuple[Division, ...]:
    return _read("counties.csv", "cityCode")


@lru_cache(maxsize=1)
def jilin_streets() -> tuple[Division, ...]:
    return _read("streets-jilin.csv", "areaCode")


def children_of(divisions: tuple[Division, ...], parent_code: str) -> list[Division]:
    return [item for item in divisions if item.parent_code == parent_code]
