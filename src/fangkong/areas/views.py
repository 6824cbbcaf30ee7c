"""What the area pages show, gathered from the queries: one place for the page context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.areas.queries import (
    count_below,
    count_by_level,
    leaders_by_area,
    list_ancestors,
    list_children,
    list_levels,
)
from fangkong.areas.schemas import DUTY_LABELS, LeaderDuty
from fangkong.i18n import Translator
from fangkong.permissions import Permission
from fangkong.scope import Actor


def level_namer(session: Session, tr: Translator) -> Callable[[str], str]:
    """A function naming a level key in the reader's language (level names are data)."""
    levels = list_levels(session)

    def name(key: str) -> str:
        level = levels.get(key)
        return tr.pick(level.name_zh, level.name_en) if level else key

    return name


def child_level(levels: dict[str, AreaLevel], area: Area) -> AreaLevel | None:
    """The level right below an area's level, None at the bottom of the tree."""
    rank = levels[area.level].rank
    return next((level for level in levels.values() if level.rank == rank + 1), None)


def ordered_counts(levels: dict[str, AreaLevel], counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts per level, top level first."""
    return [(key, counts[key]) for key in levels if counts.get(key)]


def area_page_context(
    session: Session, actor: Actor, area: Area, tr: Translator
) -> dict[str, Any]:
    """Breadcrumbs, facts, children with their counts and leaders, the area's own leaders."""
    levels = list_levels(session)
    ancestors = list_ancestors(session, actor, area)
    children = list_children(session, actor, area.code)
    child_counts = count_below(session, children)
    can_read_leaders = actor.can(Permission.LEADER_READ)
    leaders = leaders_by_area(session, [area.code, *(child.code for child in children)]) if (
        can_read_leaders) else {}
    return {
        "area": area,
        "ancestors": ancestors,
        "parent": ancestors[-1] if ancestors and ancestors[-1].code == area.parent_code else None,
        "level_name": level_namer(session, tr),
        "counts": ordered_counts(levels, count_by_level(session, area.code)),
        "children": children,
        "child_counts": {code: ordered_counts(levels, value)
                         for code, value in child_counts.items()},
        "child_leaders": {code: [item for item in items if item.duty == LeaderDuty.RESPONSIBLE]
                          for code, items in leaders.items()},
        "leaders": leaders.get(area.code, []),
        "child_level": child_level(levels, area),
        "duties": DUTY_LABELS,
        "can_read_leaders": can_read_leaders,
        "can_write_area": actor.can(Permission.AREA_WRITE),
        "can_write_leaders": actor.can(Permission.LEADER_WRITE),
        "area_form": {"values": {"name": area.name, "population": area.population},
                      "errors": {}},
        "child_form": {"values": {"code": area.code}, "errors": {}},
        "leader_form": {"values": {"duty": LeaderDuty.RESPONSIBLE.value}, "errors": {}},
    }
