"""Changes to the registry, each scoped, audited and keeping the counters right. Never commits.

Counters: `GridCounter` (per grid: households, active persons, active persons' tags) and
`Household.members` (its active persons) are kept incrementally by every action here;
`refresh_counters` recomputes them from the tables after a bulk load.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.areas.models import Area, AreaLevel
from fangkong.errors import Conflict, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.cleaning import clean_household, clean_person, masked_detail
from fangkong.registry.codes import PersonStatus, Relation, Tag
from fangkong.registry.counting import count_household, count_person, set_members, write_tags
from fangkong.registry.counting import refresh_counters as refresh_counters  # noqa: PLC0414
from fangkong.registry.merging import MergeRefused as MergeRefused  # noqa: PLC0414
from fangkong.registry.merging import do_merge_persons as do_merge_persons  # noqa: PLC0414
from fangkong.registry.models import Household, Person, PersonMove, PersonTag
from fangkong.registry.queries import find_by_id_number, get_household_by_code, tags_of
from fangkong.registry.schemas import (
    HouseholdCreate,
    HouseholdUpdate,
    PersonCreate,
    PersonUpdate,
    dump_fields,
)
from fangkong.scope import Actor

PERSON_FIELDS = ("name", "relation", "sex", "id_type", "id_number", "birth_date", "phone",
                 "residence", "occupation", "notes")
HOUSEHOLD_FIELDS = ("address", "kind", "head_name", "phone", "notes")


class HouseholdExists(Conflict):
    code = "registry.household_exists"

    @classmethod
    def default_message(cls) -> str:
        return N_("A household with this code already exists.")


class PlaceInvalid(Invalid):
    code = "registry.place_invalid"


class DuplicateId(Conflict):
    """The document number is registered already; says where only inside the actor's scope."""

    code = "registry.duplicate_id"
    existing_id: int | None = None

    @classmethod
    def default_message(cls) -> str:
        return N_("This person is already registered elsewhere.")


class PersonRetired(Conflict):
    code = "registry.person_retired"

    @classmethod
    def default_message(cls) -> str:
        return N_("This record was merged into another one and can no longer change.")


class MoveInvalid(Invalid):
    code = "registry.move_invalid"


# Places ---------------------------------------------------------------------------------------


def check_grid(session: Session, actor: Actor, code: str | None, field: str) -> Area:
    """A grid (an area of the lowest level) inside the actor's scope, else PlaceInvalid."""
    area = session.get(Area, code) if code else None
    lowest = session.scalar(select(func.max(AreaLevel.rank)))
    rank = session.scalar(select(AreaLevel.rank).where(AreaLevel.key == area.level)) if area \
        else None
    if area is None or not actor.sees(area.code) or rank != lowest:
        message = N_("Choose a grid inside your area.")
        raise PlaceInvalid(message, fields={field: message})
    return area


def _household_for(session: Session, actor: Actor, household_id: int, field: str) -> Household:
    household = session.get(Household, household_id)
    if household is None or not actor.sees(household.area_code):
        message = N_("This household does not exist in your area.")
        raise PlaceInvalid(message, fields={field: message})
    return household


def _place_of(
    session: Session, actor: Actor, data: PersonCreate
) -> tuple[Household | None, str]:
    if data.household_id is not None:
        household = _household_for(session, actor, data.household_id, "household_id")
        return household, household.area_code
    if data.area_code is None:
        message = N_("Choose a household, or a grid for a person without one.")
        raise PlaceInvalid(message, fields={"household_id": message})
    return None, check_grid(session, actor, data.area_code, "area_code").code


# Households -----------------------------------------------------------------------------------


def next_household_code(session: Session, grid: str) -> str:
    """The grid's next generated household code: `<grid>-00001`, `<grid>-00002` …"""
    prefix = f"{grid}-"
    last = session.scalar(select(func.max(Household.code)).where(
        Household.code.startswith(prefix, autoescape=True), func.length(Household.code) ==
        len(prefix) + 5))
    number = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{number:05d}"


def do_create_household(session: Session, *, actor: Actor, data: HouseholdCreate) -> Household:
    actor.require(Permission.PERSON_WRITE)
    grid = check_grid(session, actor, data.area_code, "area_code")
    values = clean_household(data.model_dump(include=set(HOUSEHOLD_FIELDS)))
    if data.code:
        if get_household_by_code(session, data.code) is not None:
            raise HouseholdExists(fields={"code": HouseholdExists.default_message()})
        household = _insert_household(session, data.code, grid.code, values)
    else:
        household = _insert_numbered_household(session, grid.code, values)
    count_household(session, area_code=grid.code, sign=1)
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="household",
             record_id=household.id, area_code=grid.code,
             detail=masked_detail({"code": household.code, **values}))
    return household


CODE_ATTEMPTS = 5


def _insert_household(session: Session, code: str, grid: str,
                      values: dict[str, Any]) -> Household:
    household = Household(code=code, area_code=grid, members=0, **values)
    session.add(household)
    session.flush()
    return household


def _insert_numbered_household(session: Session, grid: str,
                               values: dict[str, Any]) -> Household:
    """A household under the grid's next generated code. On PostgreSQL two workers of one grid
    can draw the same number at once; the second insert then meets the first's code, and takes
    the number after it (a savepoint keeps the rest of the unit intact)."""
    for _ in range(CODE_ATTEMPTS - 1):
        code = next_household_code(session, grid)
        try:
            with session.begin_nested():
                return _insert_household(session, code, grid, values)
        except IntegrityError:
            if get_household_by_code(session, code) is None:
                raise  # another constraint than the code's
    return _insert_household(session, next_household_code(session, grid), grid, values)


def do_update_household(
    session: Session, *, actor: Actor, household: Household, data: HouseholdUpdate
) -> Household:
    actor.require(Permission.PERSON_WRITE)
    given = {key: value for key, value in dump_fields(data).items() if value is not None}
    before = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}
    after = clean_household({**before, **given})
    for name, value in after.items():
        setattr(household, name, value)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="household",
             record_id=household.id, area_code=household.area_code,
             detail=masked_detail(changes(before, after)))
    return household


# Persons --------------------------------------------------------------------------------------


def check_unique_id(
    session: Session, actor: Actor, values: dict[str, Any], *, exclude: int | None = None
) -> None:
    """A document number is held by one record city-wide. Where it is registered is told only
    when that record lies inside the actor's scope."""
    if values.get("id_number") is None:
        return
    existing = find_by_id_number(session, values["id_type"], values["id_number"])
    if existing is None or existing.id == exclude:
        return
    field_message = N_("This ID number is already registered.")
    if not actor.sees(existing.area_code):
        raise DuplicateId(fields={"id_number": field_message})
    place = session.get(Area, existing.area_code)
    error = DuplicateId(
        N_("This ID number is already registered: %(name)s, %(place)s (record %(id)s)."),
        fields={"id_number": field_message},
        params={"name": existing.name, "place": place.name if place else existing.area_code,
                "id": existing.id},
    )
    error.existing_id = existing.id
    raise error


def do_create_person(session: Session, *, actor: Actor, data: PersonCreate) -> Person:
    """Register a person in a household (or directly in a grid), checked and normalised."""
    actor.require(Permission.PERSON_WRITE)
    household, area_code = _place_of(session, actor, data)
    values = clean_person(data.model_dump(include=set(PERSON_FIELDS)))
    check_unique_id(session, actor, values)
    person = Person(area_code=area_code, household_id=household.id if household else None,
                    status=PersonStatus.ACTIVE, **values)
    session.add(person)
    session.flush()
    tags = {tag.value for tag in data.tags}
    for tag in sorted(tags):
        session.add(PersonTag(person_id=person.id, tag=tag, area_code=area_code))
    count_person(session, area_code=area_code, tags=tags, sign=1)
    if household is not None:
        set_members(session, household_id=household.id, delta=1)
        if person.relation == Relation.HEAD and not household.head_name:
            household.head_name = person.name
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="person",
             record_id=person.id, area_code=area_code,
             detail=masked_detail({**values, "household_id": person.household_id,
                                   "tags": sorted(tags)}))
    return person


def _merged_values(person: Person, given: dict[str, Any]) -> dict[str, Any]:
    """The person's values with the given ones applied; an emptied text field becomes ""."""
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    for name, value in given.items():
        if value is None and name in ("relation", "id_type", "residence"):
            continue
        values[name] = "" if value is None and name in ("phone", "occupation", "notes") \
            else value
    return values


def do_update_person(
    session: Session, *, actor: Actor, person: Person, data: PersonUpdate
) -> Person:
    """Change the given fields (and the tags when given), re-checking the whole record."""
    actor.require(Permission.PERSON_WRITE)
    if person.status == PersonStatus.MERGED:
        raise PersonRetired()
    given = dump_fields(data)
    tags = given.pop("tags", None)
    before = {name: getattr(person, name) for name in PERSON_FIELDS}
    after = clean_person(_merged_values(person, given))
    check_unique_id(session, actor, after, exclude=person.id)
    for name, value in after.items():
        setattr(person, name, value)
    session.flush()
    detail = changes(before, after)
    if tags is not None:
        added, removed = write_tags(session, person, {str(tag) for tag in tags})
        detail.update({"tags_added": sorted(added), "tags_removed": sorted(removed)})
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="person",
             record_id=person.id, area_code=person.area_code, detail=masked_detail(detail))
    return person


def do_set_tags(session: Session, *, actor: Actor, person: Person, tags: set[Tag]) -> None:
    actor.require(Permission.PERSON_WRITE)
    if person.status == PersonStatus.MERGED:
        raise PersonRetired()
    added, removed = write_tags(session, person, {tag.value for tag in tags})
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="person",
             record_id=person.id, area_code=person.area_code,
             detail={"tags_added": sorted(added), "tags_removed": sorted(removed)})


def do_set_status(
    session: Session, *, actor: Actor, person: Person, status: PersonStatus, reason: str = ""
) -> Person:
    """Mark a person moved out or deceased, or active again; the counters follow."""
    actor.require(Permission.PERSON_WRITE)
    if PersonStatus.MERGED in (person.status, status):
        raise PersonRetired()
    before = person.status
    if before == status:
        return person
    sign = 1 if status == PersonStatus.ACTIVE else -1 if before == PersonStatus.ACTIVE else 0
    if sign:
        count_person(session, area_code=person.area_code, tags=tags_of(session, person.id),
                     sign=sign)
        if person.household_id is not None:
            set_members(session, household_id=person.household_id, delta=sign)
    person.status = status
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="person",
             record_id=person.id, area_code=person.area_code,
             detail={"status": [before, status.value], "reason": reason})
    return person


def do_mark_moved_out(
    session: Session, *, actor: Actor, person: Person, reason: str = ""
) -> Person:
    return do_set_status(session, actor=actor, person=person, status=PersonStatus.MOVED_OUT,
                         reason=reason)


def do_move_person(
    session: Session, *, actor: Actor, person: Person, household: Household,
    relation: Relation | None = None, reason: str = "",
) -> PersonMove:
    """Move a person to another household, perhaps in another grid: one record, with history."""
    actor.require(Permission.PERSON_WRITE)
    household = _household_for(session, actor, household.id, "household_id")
    if person.status != PersonStatus.ACTIVE:
        message = N_("Only an active person can move.")
        raise MoveInvalid(message, fields={"household_id": message})
    if person.household_id == household.id:
        message = N_("The person already lives in this household.")
        raise MoveInvalid(message, fields={"household_id": message})
    move = PersonMove(person_id=person.id, from_household_id=person.household_id,
                      to_household_id=household.id, from_area_code=person.area_code,
                      area_code=household.area_code, actor_id=actor.user_id, reason=reason)
    session.add(move)
    if person.household_id is not None:
        set_members(session, household_id=person.household_id, delta=-1)
    set_members(session, household_id=household.id, delta=1)
    if person.area_code != household.area_code:
        _change_grid(session, person, household.area_code)
    person.household_id = household.id
    person.relation = relation or Relation.OTHER
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="person",
             record_id=person.id, area_code=household.area_code,
             detail={"move": move.id, "from_household_id": move.from_household_id,
                     "to_household_id": household.id, "from_area_code": move.from_area_code})
    return move


def _change_grid(session: Session, person: Person, area_code: str) -> None:
    tags = tags_of(session, person.id)
    count_person(session, area_code=person.area_code, tags=tags, sign=-1)
    count_person(session, area_code=area_code, tags=tags, sign=1)
    for row in session.scalars(select(PersonTag).where(PersonTag.person_id == person.id)):
        row.area_code = area_code
    person.area_code = area_code


def do_record_view(
    session: Session, *, actor: Actor, resource: str, record_id: int, area_code: str,
    revealed: bool,
) -> None:
    """Audit a look at one personal record; `revealed` when its full ID number and phone were
    shown (which needs `person:identify`)."""
    if revealed:
        actor.require(Permission.PERSON_IDENTIFY)
    do_audit(session, actor=actor, action=AuditAction.VIEW, resource=resource,
             record_id=record_id, area_code=area_code, detail={"revealed": revealed})
