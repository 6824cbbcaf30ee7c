"""A synthetic roster for the import benchmark: the demo population (`registry.generate`) written
the way communities send it: a title row, Chinese headers and words, a total row at the end.

Deterministic: the same N gives the same file, cached under var/bench/ (written to a partial
file first, so an interrupted run leaves no half file behind).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from fangkong.areas.demo import DemoSize, tree_rows
from fangkong.registry.generate import generate_households

CITY = "2201"
SEED = 2020
TITLE = "长春市居民花名册（导入基准测试）"
HEADER = ("序号", "户编号", "姓名", "性别", "身份证号码", "出生日期", "联系电话", "与户主关系",
          "现住址", "所属网格", "人员类别", "工作单位", "特殊人群", "备注")
SEX = {"male": "男", "female": "女"}
RELATION = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "other": "其他"}
RESIDENCE = {"registered": "户籍", "resident": "常住", "temporary": "暂住", "floating": "流动"}
TAGS = {"elderly_alone": "独居老人", "disabled": "残疾人", "low_income": "低保",
        "pregnant": "孕产妇", "chronic": "慢性病", "infant": "婴幼儿"}


def demo_grids() -> list[str]:
    """The grid codes of the demo city (as `fangkong demo` builds it)."""
    return [str(row["code"]) for row in tree_rows(CITY, DemoSize(), SEED)
            if row["level"] == "grid"]


def roster_rows(count: int, *, text_dates: bool) -> Iterator[list[object]]:
    """`count` person rows of generated households; dates as text (CSV) or as dates (xlsx)."""
    number = 0
    for household in generate_households(demo_grids(), count, SEED):
        for member in household.members:
            number += 1
            birth = member["birth_date"]
            yield [number, household.code, member["name"], SEX[str(member["sex"])],
                   member["id_number"], birth.isoformat() if text_dates else birth,  # type: ignore[attr-defined]
                   member["phone"], RELATION[str(member["relation"])], household.address,
                   household.area_code, RESIDENCE[str(member["residence"])],
                   member["occupation"], "、".join(TAGS[tag] for tag in member["tags"]), ""]


def write_csv(path: Path, count: int) -> None:
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([TITLE])
        writer.writerow(HEADER)
        writer.writerows(roster_rows(count, text_dates=True))
        writer.writerow(["合计", f"{count}人"])
    partial.replace(path)


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook  # noqa: PLC0415 - only the xlsx benchmark needs it

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append([TITLE])
    sheet.append(list(HEADER))
    for row in roster_rows(count, text_dates=False):
        sheet.append(row)
    sheet.append(["合计", f"{count}人"])
    partial = path.with_suffix(".part")
    book.save(partial)
    partial.replace(path)


def roster_file(folder: Path, count: int, fmt: str) -> Path:
    """The cached roster of `count` persons as csv or xlsx, written when missing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"roster-{count}.{fmt}"
    if not path.exists():
        (write_csv if fmt == "csv" else write_xlsx)(path, count)
    return path
