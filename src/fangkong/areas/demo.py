"""The demo city's area tree: real city, districts and streets, generated communities and grids.

Deterministic for a seed. Communities and grids are made up (the national codes stop at the
township); their codes extend the street's code by three digits each level.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fangkong.areas.actions import do_ensure_levels
from fangkong.areas.models import Area, Leader
from fangkong.areas.pinyin import initials
from fangkong.areas.schemas import LeaderDuty
from fangkong.divisions import children_of, cities, counties, jilin_streets

COMMUNITY_WORDS = (
    "幸福", "光明", "和平", "新华", "东风", "红旗", "民主", "建设", "朝阳", "永安", "长青", "华苑",
    "繁荣", "解放", "胜利", "康平", "春城", "南湖", "北湖", "西苑", "东盛", "兴隆", "富民", "安居",
    "祥和", "锦绣", "明德", "育才", "金桥", "铁北", "花园", "翠林", "绿园", "杏林", "嘉禾", "丰收",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文斌海波宇鹏飞慧颖"


@dataclass(frozen=True, slots=True)
class DemoSize:
    communities_per_street: int = 2
    grids_per_community: int = 2


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "186", "155", "131", "177", "189")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


def _area_row(code: str, name: str, level: str, parent: str | None, population: int) -> dict[
    str, object
]:
    return {
        "code": code, "name": name, "level": level, "parent_code": parent,
        "population": population, "pinyin": initials(name),
    }


def _community_name(rng: random.Random, township: bool, used: set[str]) -> str:
    suffix = "村" if township else "社区"
    for _ in range(50):
        name = rng.choice(COMMUNITY_WORDS) + suffix
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(COMMUNITY_WORDS)}{len(used) + 1}{suffix}"
    used.add(name)
    return name


def tree_rows(city_code: str, size: DemoSize, seed: int) -> list[dict[str, object]]:
    """Every area of the demo city, parents before children."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    city = next(item for item in cities() if item.code == city_code)
    rows = [_area_row(city.code, city.name, "city", None, 0)]
    for district in children_of(counties(), city.code):
        rows.append(_area_row(district.code, district.name, "district", city.code, 0))
        for street in children_of(jilin_streets(), district.code):
            rows.append(_area_row(street.code, street.name, "street", district.code, 0))
            township = street.name.endswith(("镇", "乡"))
            used: set[str] = set()
            for c in range(1, size.communities_per_street + 1):
                community = f"{street.code}{c:03d}"
                rows.append(_area_row(community, _community_name(rng, township, used),
                                      "community", street.code, 0))
                for g in range(1, size.grids_per_community + 1):
                    grid_name = f"第{g}网格"
                    rows.append(_area_row(f"{community}{g:03d}", grid_name, "grid", community,
                                          rng.randrange(600, 2400)))
    return rows


def _sum_populations(rows: list[dict[str, object]]) -> None:
    """Each area's population is the sum of its children's (the grids carry the figures)."""
    by_code = {str(row["code"]): row for row in rows}
    for row in reversed(rows):
        parent = row["parent_code"]
        if parent is not None:
            parent_row = by_code[str(parent)]
            parent_row["population"] = int(str(parent_row["population"])) + int(
                str(row["population"])
            )


def leader_rows(rows: list[dict[str, object]], seed: int) -> list[dict[str, object]]:
    """A responsible leader (包保) and a secretary (书记) for every area above the grid."""
    rng = random.Random(seed + 1)  # noqa: S311 - demo data, not secrets
    titles = {
        "city": ("市委常委", "市委书记"), "district": ("区长", "区委书记"),
        "street": ("街道办主任", "街道党工委书记"), "community": ("社区主任", "社区党委书记"),
    }
    leaders: list[dict[str, object]] = []
    for row in rows:
        pair = titles.get(str(row["level"]))
        if pair is None:
            continue
        for duty, title in zip((LeaderDuty.RESPONSIBLE, LeaderDuty.SECRETARY), pair, strict=True):
            leaders.append({
                "area_code": row["code"], "name": person_name(rng), "title": title,
                "phone": mobile(rng), "duty": duty.value, "notes": "",
            })
    return leaders


def do_build_demo_tree(
    session: Session, *, city_code: str = "2201", size: DemoSize = DemoSize(), seed: int = 2020
) -> int:
    """Create the demo tree and its leaders unless the city exists; return the areas created."""
    if session.scalar(select(Area.code).where(Area.code == city_code)) is not None:
        return 0
    do_ensure_levels(session)
    rows = tree_rows(city_code, size, seed)
    _sum_populations(rows)
    session.execute(insert(Area), rows)
    session.execute(insert(Leader), leader_rows(rows, seed))
    return len(rows)
