"""Reads of the area tree and its leaders, every one restricted to the caller's scope."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel, Leader
from fangkong.errors import NotFound
from fangkong.scope import Actor, in_scope

SEARCH_LIMIT = 50
_CHUNK = 500


def list_levels(session: Session) -> dict[str, AreaLevel]:
    """The levels by key, top level first."""
    return {level.key: level for level in session.scalars(select(AreaLevel).order_by(
        AreaLevel.rank))}


def get_area(session: Session, code: str) -> Area | None:
    return session.get(Area, code)


def access_area(session: Session, actor: Actor, code: str) -> Area:
    """The area if the actor may see it; NotFound for a missing one and one outside the scope."""
    area = session.get(Area, code)
    if area is None or not actor.sees(area.code):
        raise NotFound()
    return area


def list_roots(session: Session, actor: Actor) -> list[Area]:
    """Where the actor's tree starts: their own area, or the top-level areas for an admin."""
    if actor.scope:
        return [access_area(session, actor, actor.area_code)]
    return list(session.scalars(select(Area).where(Area.parent_code.is_(None)).order_by(
        Area.code)))


def list_children(session: Session, actor: Actor, code: str) -> list[Area]:
    """The areas right below an area the actor may see, by code."""
    area = access_area(session, actor, code)
    stmt = select(Area).where(Area.parent_code == area.code, _visible(actor)).order_by(Area.code)
    return list(session.scalars(stmt))


def list_ancestors(session: Session, actor: Actor, area: Area) -> list[Area]:
    """The breadcrumbs above an area, top first, only those inside the actor's scope."""
    lengths = [level.code_length for level in list_levels(session).values()]
    prefixes = [area.code[:n] for n in lengths if n < len(area.code)]
    if not prefixes:
        return []
    stmt = select(Area).where(Area.code.in_(prefixes), _visible(actor))
    return sorted(session.scalars(stmt), key=lambda item: len(item.code))


def search_stmt(actor: Actor, text: str) -> Select[Area]:
    """Areas whose name contains the text, whose code starts with it, or whose pinyin initials
    start with it (`nljd` finds 南岭街道); top levels first, then by code."""
    needle = text.strip()
    conditions = [Area.name.contains(needle, autoescape=True)]
    if needle.isdigit():
        conditions.append(Area.code.startswith(needle))
    if re.fullmatch(r"[A-Za-z]+", needle):
        conditions.append(Area.pinyin.startswith(needle.lower()))
    return (select(Area).join(AreaLevel, AreaLevel.key == Area.level)
            .where(or_(*conditions), _visible(actor)).order_by(AreaLevel.rank, Area.code))


def search_areas(
    session: Session, actor: Actor, text: str, *, limit: int = SEARCH_LIMIT
) -> list[Area]:
    if not text.strip():
        return []
    return list(session.scalars(search_stmt(actor, text).limit(limit)))


def count_by_level(session: Session, code: str) -> dict[str, int]:
    """How many areas of each level lie below an area: one GROUP BY on the code prefix."""
    stmt = (select(Area.level, func.count())
            .where(in_scope(Area.code.expression, code), Area.code != code)
            .group_by(Area.level))
    return {str(level): int(count) for level, count in session.execute(stmt)}


def count_below(session: Session, areas: Sequence[Area]) -> dict[str, dict[str, int]]:
    """For areas of one parent (one code length): areas below each, per level, in one query."""
    if not areas:
        return {}
    length = len(areas[0].code)
    parent = areas[0].parent_code or ""
    head = func.substr(Area.code, 1, length)
    stmt = (select(head, Area.level, func.count())
            .where(in_scope(Area.code.expression, parent), func.length(Area.code) > length)
            .group_by(head, Area.level))
    counts: dict[str, dict[str, int]] = {area.code: {} for area in areas}
    for code, level, count in session.execute(stmt):
        if code in counts:
            counts[code][level] = count
    return counts


def count_children(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """The number of direct children of each area."""
    counts = dict.fromkeys(codes, 0)
    for chunk in _chunks(codes):
        stmt = (select(Area.parent_code, func.count()).where(Area.parent_code.in_(chunk))
                .group_by(Area.parent_code))
        counts.update({str(code): count for code, count in session.execute(stmt)})
    return counts


def list_leaders(session: Session, area_codes: Iterable[str]) -> list[Leader]:
    """The leaders of the given areas, by area, duty (responsible first) and id."""
    codes = list(dict.fromkeys(area_codes))
    leaders: list[Leader] = []
    for chunk in _chunks(codes):
        leaders.extend(session.scalars(select(Leader).where(Leader.area_code.in_(chunk))))
    return sorted(leaders, key=lambda item: (item.area_code, item.duty, item.id))


def leaders_by_area(session: Session, area_codes: Iterable[str]) -> dict[str, list[Leader]]:
    """The leaders of each area, for tables that show every area's figures with its leaders."""
    grouped: dict[str, list[Leader]] = defaultdict(list)
    for leader in list_leaders(session, area_codes):
        grouped[leader.area_code].append(leader)
    return dict(grouped)


def access_leader(session: Session, actor: Actor, leader_id: int) -> Leader:
    """A leader of an area inside the actor's scope; NotFound otherwise."""
    leader = session.get(Leader, leader_id)
    if leader is None or not actor.sees(leader.area_code):
        raise NotFound()
    return leader


def leaders_stmt(actor: Actor, area_code: str | None) -> Select[Leader]:
    """Leaders in the actor's scope, or of one area (exactly), for paging."""
    stmt = (select(Leader).where(in_scope(Leader.area_code.expression, actor.scope))
            .order_by(Leader.area_code, Leader.duty, Leader.id))
    if area_code is not None:
        stmt = stmt.where(Leader.area_code == area_code)
    return stmt


def areas_stmt(
    actor: Actor, *, parent: str | None = None, level: str | None = None, text: str | None = None
) -> Select[Area]:
    """Areas in the actor's scope, optionally under a parent, of a level, matching a text."""
    stmt = search_stmt(actor, text) if text else select(Area).where(_visible(actor)).order_by(
        Area.code)
    if parent is not None:
        stmt = stmt.where(Area.parent_code == parent)
    if level is not None:
        stmt = stmt.where(Area.level == level)
    return stmt


def list_areas_under(session: Session, code: str) -> list[Area]:
    """An area and everything below it, parents before children (for export)."""
    stmt = select(Area).where(in_scope(Area.code.expression, code)).order_by(Area.code)
    return list(session.scalars(stmt))


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The scope filter on areas (default deny): `code LIKE :scope || '%'`."""
    return in_scope(Area.code.expression, actor.scope)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
