"""Changes to the area tree: levels, validated areas, leaders. Never commits; the edge does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.areas.importer import RowRejected, level_lookup, rejected_row, resolve_row
from fangkong.areas.models import Area, AreaLevel, Leader
from fangkong.areas.pinyin import initials
from fangkong.areas.schemas import (
    AreaCreate,
    AreaRow,
    AreaUpdate,
    ImportReport,
    LeaderCreate,
    LeaderUpdate,
)
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor

DEFAULT_LEVELS: tuple[tuple[str, int, int, str, str], ...] = (
    ("city", 1, 4, "市", "City"),
    ("district", 2, 6, "区县", "District"),
    ("street", 3, 9, "街道乡镇", "Street"),
    ("community", 4, 12, "社区村", "Community"),
    ("grid", 5, 15, "网格", "Grid"),
)


class AreaInvalid(Invalid):
    code = "areas.invalid"


class UnknownArea(Invalid):
    code = "areas.unknown"

    @classmethod
    def default_message(cls) -> str:
        return N_("There is no area with this code.")


class AreaExists(Conflict):
    code = "areas.exists"

    @classmethod
    def default_message(cls) -> str:
        return N_("An area with this code already exists.")


def do_ensure_levels(session: Session) -> dict[str, AreaLevel]:
    """Create the five default levels where no levels exist yet; return the levels by key."""
    levels = {level.key: level for level in session.scalars(select(AreaLevel))}
    if not levels:
        for key, rank, length, name_zh, name_en in DEFAULT_LEVELS:
            levels[key] = AreaLevel(
                key=key, rank=rank, code_length=length, name_zh=name_zh, name_en=name_en
            )
            session.add(levels[key])
        session.flush()
    return levels


def area_problems(
    data: AreaCreate, levels: dict[str, AreaLevel], parent: Area | None
) -> dict[str, str]:
    """What is wrong with an area against its level and parent, as {field: message id}."""
    level = levels.get(data.level)
    if level is None:
        return {"level": N_("Unknown level.")}
    problems: dict[str, str] = {}
    if len(data.code) != level.code_length:
        problems["code"] = N_("The code does not have the number of digits of its level.")
    if level.rank == min(item.rank for item in levels.values()):
        if data.parent_code:
            problems["parent_code"] = N_("An area of the top level has no parent.")
        return problems
    if parent is None:
        problems["parent_code"] = N_("The parent area does not exist.")
        return problems
    if levels[parent.level].rank != level.rank - 1:
        problems["level"] = N_("The level must be the one just below the parent's level.")
    if not data.code.startswith(parent.code):
        problems.setdefault("code", N_("The code must extend the parent's code."))
    return problems


def check_area(session: Session, data: AreaCreate, levels: dict[str, AreaLevel]) -> None:
    """Raise AreaInvalid naming the fields at fault, or AreaExists for a taken code."""
    parent = session.get(Area, data.parent_code) if data.parent_code else None
    problems = area_problems(data, levels, parent)
    if problems:
        raise AreaInvalid(fields=problems)
    if session.get(Area, data.code) is not None:
        raise AreaExists(fields={"code": AreaExists.default_message()})


def do_create_area(session: Session, *, actor: Actor, data: AreaCreate) -> Area:
    """A new area below an existing one inside the actor's scope (or a new top-level area)."""
    actor.require(Permission.AREA_WRITE)
    if not actor.sees(data.parent_code or data.code):
        raise UnknownArea(fields={"parent_code": UnknownArea.default_message()})
    levels = do_ensure_levels(session)
    check_area(session, data, levels)
    area = Area(
        code=data.code,
        name=data.name,
        level=data.level,
        parent_code=data.parent_code,
        population=data.population,
        pinyin=initials(data.name),
    )
    session.add(area)
    session.flush()
    do_audit(
        session, actor=actor, action=AuditAction.CREATE, resource="area",
        record_id=area.code, area_code=area.code, detail=data.model_dump(),
    )
    return area


def do_update_area(session: Session, *, actor: Actor, area: Area, data: AreaUpdate) -> Area:
    """Rename an area or change its population; only the fields that were given change."""
    actor.require(Permission.AREA_WRITE)
    if not actor.sees(area.code):
        raise NotFound()
    given = data.model_dump(exclude_unset=True)
    if given.get("name") is None:
        given.pop("name", None)
    before = {key: getattr(area, key) for key in given}
    for key, value in given.items():
        setattr(area, key, value)
    area.pinyin = initials(area.name)
    difference = changes(before, given)
    if difference:
        session.flush()
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="area",
                 record_id=area.code, area_code=area.code, detail=difference)
    return area


def _leader_area(session: Session, actor: Actor, code: str) -> Area:
    area = session.get(Area, code)
    if area is None or not actor.sees(area.code):
        raise UnknownArea(fields={"area_code": UnknownArea.default_message()})
    return area


def _leader_detail(leader: Leader) -> dict[str, Any]:
    return {key: getattr(leader, key) for key in LEADER_FIELDS}


LEADER_FIELDS = ("area_code", "name", "title", "phone", "duty", "notes")
LEADER_TEXT_FIELDS = frozenset({"title", "phone", "notes"})


def do_create_leader(session: Session, *, actor: Actor, data: LeaderCreate) -> Leader:
    """A leader answerable for an area inside the actor's scope."""
    actor.require(Permission.LEADER_WRITE)
    area = _leader_area(session, actor, data.area_code)
    leader = Leader(area_code=area.code, name=data.name, title=data.title, phone=data.phone,
                    duty=data.duty.value, notes=data.notes)
    session.add(leader)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="leader",
             record_id=leader.id, area_code=area.code, detail=_leader_detail(leader))
    return leader


def do_update_leader(
    session: Session, *, actor: Actor, leader: Leader, data: LeaderUpdate
) -> Leader:
    """Change the given fields; an empty title, phone or notes clears it."""
    actor.require(Permission.LEADER_WRITE)
    if not actor.sees(leader.area_code):
        raise NotFound()
    given: dict[str, Any] = {}
    for key, value in data.model_dump(exclude_unset=True, mode="json").items():
        if value is not None or key in LEADER_TEXT_FIELDS:
            given[key] = "" if value is None else value
    before = _leader_detail(leader)
    for key, value in given.items():
        setattr(leader, key, value)
    difference = changes(before, given)
    if difference:
        session.flush()
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="leader",
                 record_id=leader.id, area_code=leader.area_code, detail=difference)
    return leader


def do_delete_leader(session: Session, *, actor: Actor, leader: Leader) -> None:
    actor.require(Permission.LEADER_WRITE)
    if not actor.sees(leader.area_code):
        raise NotFound()
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="leader",
             record_id=leader.id, area_code=leader.area_code, detail=_leader_detail(leader))
    session.delete(leader)
    session.flush()


def do_import_areas(
    session: Session, *, actor: Actor, rows: Iterable[AreaRow],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert areas by code, parents first whatever the order of the file; a rejected row is
    reported with its reason and takes its children with it. Nothing is committed here."""
    actor.require(Permission.AREA_WRITE)
    levels = do_ensure_levels(session)
    report = ImportReport()
    planned, rejected_codes = _plan_import(list(rows), levels, report)
    known = _known_areas(session, planned)
    for done, (row, data) in enumerate(planned, start=1):
        try:
            outcome = _import_one(session, actor, data, levels=levels, known=known,
                                  rejected_codes=rejected_codes)
        except RowRejected as why:
            rejected_codes.add(data.code)
            report.rejected.append(rejected_row(row, why.reason, why.params))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(done)
    report.rejected.sort(key=lambda item: item.row)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.IMPORT, resource="area", record_id="",
             area_code=actor.scope, detail=report.model_dump(include={
                 "added", "updated", "unchanged"}) | {"rejected": len(report.rejected)})
    return report


def _plan_import(
    rows: list[AreaRow], levels: dict[str, AreaLevel], report: ImportReport
) -> tuple[list[tuple[AreaRow, AreaCreate]], set[str]]:
    """Each row resolved to an area, parents first; the codes of rows that failed already."""
    lookup = level_lookup(levels)
    first_row: dict[str, int] = {}
    planned: list[tuple[AreaRow, AreaCreate]] = []
    failed: set[str] = set()
    for row in rows:
        try:
            data = resolve_row(row, levels, lookup)
            if data.code in first_row:
                raise RowRejected(N_("This code appears twice in the file; first in row %(row)s."),
                                  row=str(first_row[data.code]))
        except RowRejected as why:
            failed.add(row.code)
            report.rejected.append(rejected_row(row, why.reason, why.params))
            continue
        first_row[data.code] = row.row
        planned.append((row, data))
    planned.sort(key=lambda item: (levels[item[1].level].rank, item[1].code))
    return planned, failed - set(first_row)


def _known_areas(session: Session, planned: list[tuple[AreaRow, AreaCreate]]) -> dict[str, Area]:
    codes = sorted({code for _, data in planned for code in (data.code, data.parent_code) if code})
    known: dict[str, Area] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        known.update({area.code: area for area in session.scalars(
            select(Area).where(Area.code.in_(chunk)))})
    return known


def _import_one(
    session: Session, actor: Actor, data: AreaCreate, *, levels: dict[str, AreaLevel],
    known: dict[str, Area], rejected_codes: set[str],
) -> str:
    """Add or update one area; the name of the report's counter to raise."""
    parent = _import_parent(data, known, rejected_codes)
    problems = area_problems(data, levels, parent)
    if problems:
        raise RowRejected(next(iter(problems.values())))
    if not actor.sees(data.code):
        raise RowRejected(N_("This area lies outside your area."))
    existing = known.get(data.code)
    if existing is None:
        known[data.code] = _import_new(session, actor, data)
        return "added"
    if existing.level != data.level or existing.parent_code != data.parent_code:
        raise RowRejected(N_("An area with this code exists at another level or under another "
                             "parent."))
    return "updated" if _import_changes(session, actor, existing, data) else "unchanged"


def _import_parent(data: AreaCreate, known: dict[str, Area], rejected: set[str]) -> Area | None:
    if not data.parent_code:
        return None
    parent = known.get(data.parent_code)
    if parent is not None:
        return parent
    if data.parent_code in rejected:
        raise RowRejected(N_("The parent area %(parent)s was rejected."), parent=data.parent_code)
    raise RowRejected(N_("The parent area %(parent)s does not exist."), parent=data.parent_code)


def _import_new(session: Session, actor: Actor, data: AreaCreate) -> Area:
    area = Area(code=data.code, name=data.name, level=data.level, parent_code=data.parent_code,
                population=data.population, pinyin=initials(data.name))
    session.add(area)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="area",
             record_id=area.code, area_code=area.code, detail=data.model_dump() | {"import": True})
    return area


def _import_changes(session: Session, actor: Actor, area: Area, data: AreaCreate) -> bool:
    """Apply a changed name or population (an empty population keeps the old one)."""
    after: dict[str, Any] = {"name": data.name}
    if data.population is not None:
        after["population"] = data.population
    difference = changes({"name": area.name, "population": area.population}, after)
    if not difference:
        return False
    for key, value in after.items():
        setattr(area, key, value)
    area.pinyin = initials(area.name)
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="area",
             record_id=area.code, area_code=area.code, detail=difference | {"import": True})
    return True
