"""A synthetic community roster for the import benchmark: N persons in households, as a CSV or
xlsx file the way communities send them (a title row, Chinese headers, a total row).

Deterministic: the same N gives the same file, cached under var/bench/. Every ID number is
valid and unique (region code, birth date and sequence number follow from the row index
through a permutation, so the IDs arrive in random order as in a real file).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from fangkong.registry.validators import id_check_character

HEADER = ("序号", "姓名", "性别", "身份证号码", "出生日期", "联系电话", "与户主关系", "现住址",
          "所属网格", "人员类别", "特殊人群", "备注")
TITLE = "长春市居民花名册（基准测试）"
REGIONS = ("220102", "220103", "220104", "220105", "220106", "220112", "220113", "220122")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文斌海波宇鹏飞慧颖"
ROADS = ("人民大街", "亚泰大街", "自由大路", "解放大路", "南湖大路", "卫星路", "临河街", "东盛大街")
RELATIONS = ("配偶", "子女", "父母", "其他")
RESIDENCE = ("户籍", "户籍", "常住", "暂住", "流动")
TAGS = ("独居老人", "残疾人", "低保", "慢性病")
FIRST_BIRTH = date(1940, 1, 1)
PERMUTE = 7919  # a prime; coprime with every N the benchmark uses that is not its multiple


def person_id(index: int, count: int) -> tuple[str, date]:
    """A valid, unique resident ID for row `index` of `count`, and its birth date."""
    j = (index * PERMUTE + 13) % count if count % PERMUTE else index
    birth = FIRST_BIRTH + timedelta(days=(j // 1000) * 29 % 29200)
    first17 = f"{REGIONS[j % len(REGIONS)]}{birth:%Y%m%d}{j % 1000:03d}"
    return first17 + id_check_character(first17), birth


def roster_rows(count: int, grids: list[str], seed: int = 2020) -> Iterator[list[str]]:
    """`count` person rows, grouped in households of 1 to 5 persons, grids in order."""
    rng = random.Random(seed)
    index = 0
    household = 0
    while index < count:
        household += 1
        grid = grids[(household * len(grids)) // max(count // 3 + 1, 1) % len(grids)]
        address = (f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋"
                   f"{rng.randrange(1, 7)}单元{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室")
        size = min(rng.choice((1, 2, 2, 3, 3, 3, 4, 5)), count - index)
        for member in range(size):
            id_number, birth = person_id(index, count)
            sex = "男" if int(id_number[16]) % 2 else "女"
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN)
                                                  for _ in range(rng.choice((1, 2, 2))))
            phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
            relation = "户主" if member == 0 else rng.choice(RELATIONS)
            tag = rng.choice(TAGS) if rng.random() < 0.08 else ""
            index += 1
            yield [str(index), name, sex, id_number, birth.isoformat(), phone, relation, address,
                   grid, rng.choice(RESIDENCE), tag, ""]


def write_csv(path: Path, count: int, grids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([TITLE])
        writer.writerow(HEADER)
        writer.writerows(roster_rows(count, grids))
        writer.writerow(["合计", f"{count}人"])
    partial.replace(path)


def write_xlsx(path: Path, count: int, grids: list[str]) -> None:
    from openpyxl import Workbook  # noqa: PLC0415 - only the xlsx benchmark needs it

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append([TITLE])
    sheet.append(list(HEADER))
    for row in roster_rows(count, grids):
        sheet.append(row)
    sheet.append(["合计", f"{count}人"])
    partial = path.with_suffix(".part")
    book.save(partial)
    partial.replace(path)


def roster_file(folder: Path, count: int, fmt: str, grids: list[str]) -> Path:
    """The cached roster file of `count` persons in format csv or xlsx, written if missing."""
    path = folder / f"roster-{count}.{fmt}"
    if not path.exists():
        (write_csv if fmt == "csv" else write_xlsx)(path, count, grids)
    return path
