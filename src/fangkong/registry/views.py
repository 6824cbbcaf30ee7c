"""What the registry pages show, gathered from the queries: one place for the page contexts,
the form values and the choices of the selects."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.areas.queries import leaders_by_area
from fangkong.errors import DomainError
from fangkong.permissions import Permission
from fangkong.registry.codes import (
    HouseholdKind,
    IdType,
    PersonStatus,
    Relation,
    Residence,
    Sex,
    Tag,
)
from fangkong.registry.models import Household, Person
from fangkong.registry.queries import (
    duplicates_of,
    list_members,
    list_merges,
    list_moves,
    local_today,
    place_names,
    registry_totals,
    tags_by_person,
    tags_of,
)
from fangkong.registry.schemas import (
    AgeBand,
    PersonRead,
    choices,
    household_read,
    label_of,
    person_read,
)
from fangkong.scope import Actor

GRID_SELECT_LIMIT = 300
PERSON_FORM_FIELDS = ("name", "relation", "sex", "id_type", "id_number", "birth_date", "phone",
                      "residence", "occupation", "notes")
HOUSEHOLD_FORM_FIELDS = ("address", "kind", "head_name", "phone", "notes")

CHOICES = {
    "sex": choices(Sex), "id_type": choices(IdType), "relation": choices(Relation),
    "residence": choices(Residence), "kind": choices(HouseholdKind), "tag": choices(Tag),
    "status": choices(PersonStatus), "age": [(band.value, band.value) for band in AgeBand],
}
LABEL_KINDS = {"sex": Sex, "id_type": IdType, "relation": Relation, "residence": Residence,
               "kind": HouseholdKind, "tag": Tag, "status": PersonStatus}


def label(kind: str, value: str | None) -> str:
    """The message id of a stored code's label; templates translate it."""
    return label_of(LABEL_KINDS[kind], value)


def age_of(birth: date | None, today: date | None = None) -> int | None:
    if birth is None:
        return None
    today = today or local_today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def common(request: Request, actor: Actor) -> dict[str, Any]:
    """What every registry page uses: labels, choices, permissions, the done message."""
    return {
        "label": label, "choices": CHOICES, "age_of": age_of,
        "can_write": actor.can(Permission.PERSON_WRITE),
        "can_merge": actor.can(Permission.PERSON_MERGE),
        "can_identify": actor.can(Permission.PERSON_IDENTIFY),
        "done": request.query_params.get("done", ""),
    }


def error_context(request: Request, error: DomainError) -> dict[str, Any]:
    message = request.state.tr.gettext(error.message, **error.params)
    return {"flash": message, "flash_kind": "error"}


def form_of(values: dict[str, Any], error: DomainError | None = None) -> dict[str, Any]:
    return {"values": values, "errors": error.fields if error else {}}


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def person_values(person: Person, tags: list[str], *, revealed: bool) -> dict[str, Any]:
    """A person's form values; the ID number and phone only when revealed."""
    values: dict[str, Any] = {name: _text(getattr(person, name)) for name in PERSON_FORM_FIELDS}
    if not revealed:
        for name in ("id_type", "id_number", "phone"):
            values.pop(name)
    values["tags"] = tags
    return values


def household_values(household: Household) -> dict[str, Any]:
    """A household's form values; never its phone (shown masked, kept when left empty)."""
    return {name: _text(getattr(household, name)) for name in HOUSEHOLD_FORM_FIELDS
            if name != "phone"}


def persons_read(session: Session, persons: list[Person]) -> list[PersonRead]:
    tags = tags_by_person(session, [person.id for person in persons])
    return [person_read(person, tags.get(person.id, [])) for person in persons]


def grids_in_scope(session: Session, actor: Actor) -> list[tuple[str, str]] | None:
    """The grids a form may offer in a select as (code, place), or None when there are too
    many to list (the form then asks for the grid's code)."""
    lowest = select(AreaLevel.key).order_by(AreaLevel.rank.desc()).limit(1).scalar_subquery()
    stmt = (select(Area).where(Area.level == lowest, Area.code.startswith(actor.scope))
            .order_by(Area.code).limit(GRID_SELECT_LIMIT + 1))
    grids = [area.code for area in session.scalars(stmt)]
    if len(grids) > GRID_SELECT_LIMIT:
        return None
    places = place_names(session, grids)
    return [(code, f"{places[code]} ({code})") for code in grids]


def visible_households(
    session: Session, actor: Actor, ids: set[int | None]
) -> dict[int, Household]:
    """The households among these ids that the actor may see (history may name others)."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = session.scalars(select(Household).where(Household.id.in_(wanted)))
    return {row.id: row for row in rows if actor.sees(row.area_code)}


def person_context(
    session: Session, actor: Actor, person: Person, *, revealed: bool
) -> dict[str, Any]:
    """A person's page: the record (masked unless revealed), household, history, duplicates."""
    tags = sorted(tags_of(session, person.id), key=[t.value for t in Tag].index)
    moves, merges = list_moves(session, person.id), list_merges(session, person.id)
    household_ids = {person.household_id, *(m.from_household_id for m in moves),
                     *(m.to_household_id for m in moves)}
    areas = {person.area_code, *(m.from_area_code for m in moves), *(m.area_code for m in moves)}
    duplicates = duplicates_of(session, actor, person) if actor.can(Permission.PERSON_MERGE) \
        else []
    return {
        "person": person, "read": person_read(person, tags, reveal=revealed),
        "revealed": revealed, "moves": moves, "merges": merges,
        "households": visible_households(session, actor, household_ids),
        "places": place_names(session, [code for code in areas if actor.sees(code)]),
        "duplicates": persons_read(session, duplicates),
        "edit_form": form_of(person_values(person, tags, revealed=revealed)),
        "move_form": form_of({}), "status_form": form_of({"status": person.status}),
    }


def household_context(session: Session, household: Household) -> dict[str, Any]:
    members = list_members(session, household.id)
    return {
        "household": household, "read": household_read(household),
        "members": persons_read(session, members),
        "places": place_names(session, [household.area_code]),
        "edit_form": form_of(household_values(household)),
    }


def area_summary(session: Session, actor: Actor, area_code: str) -> dict[str, Any]:
    """The registry figures of the area a list shows, with the leaders answerable for it: the
    area's own, else its parent's (grids seldom have leaders of their own)."""
    area = session.get(Area, area_code)
    if area is None or not actor.sees(area.code):
        return {}
    totals = registry_totals(session, area.code, area.level)
    leaders: list[Any] = []
    if actor.can(Permission.LEADER_READ):
        found = leaders_by_area(session, [area.code, area.parent_code or area.code])
        leaders = found.get(area.code) or found.get(area.parent_code or "", [])
    return {"summary_area": area, "summary": totals.total, "leaders": leaders}
