"""Changes to the area tree: levels, validated areas, leaders. Never commits; the edge does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area, AreaLevel
from fangkong.areas.pinyin import initials
from fangkong.areas.schemas import AreaCreate
from fangkong.errors import Conflict, Invalid
from fangkong.i18n import N_
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
