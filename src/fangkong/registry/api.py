"""The registry's JSON API: persons, households, duplicates, totals. Masked unless revealed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fangkong.areas.queries import access_area
from fangkong.errors import Forbidden
from fangkong.permissions import Permission
from fangkong.registry.actions import (
    do_create_household,
    do_create_person,
    do_merge_persons,
    do_move_person,
    do_record_view,
    do_set_status,
    do_update_household,
    do_update_person,
)
from fangkong.registry.models import Person
from fangkong.registry.queries import (
    access_household,
    access_person,
    area_names,
    child_level,
    duplicate_suggestions,
    list_households,
    list_members,
    list_persons,
    registry_totals,
    tags_by_person,
    tags_of,
)
from fangkong.registry.schemas import (
    AreaTotalsRead,
    DuplicateGroupRead,
    HouseholdCreate,
    HouseholdFilter,
    HouseholdRead,
    HouseholdUpdate,
    PersonCreate,
    PersonFilter,
    PersonMergeIn,
    PersonMoveIn,
    PersonRead,
    PersonStatusIn,
    PersonUpdate,
    RegistryTotalsRead,
    household_read,
    person_read,
)
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.pagination import Page, Paging

router = APIRouter(tags=["registry"])
Reader = Annotated[Principal, Depends(require(Permission.PERSON_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PERSON_WRITE))]
Merger = Annotated[Principal, Depends(require(Permission.PERSON_MERGE))]
Reveal = Annotated[bool, Query(description="show the full ID number and phone "
                                           "(needs person:identify; audited)")]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "missing or outside your area"}}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "your role may not do this"},
    409: {"description": "conflict, e.g. `registry.duplicate_id`: the ID is registered already"},
    422: {"description": "invalid fields, each named with its reason"},
}


def _persons(session: Session, persons: list[Person]) -> list[PersonRead]:
    tags = tags_by_person(session, [person.id for person in persons])
    return [person_read(person, tags.get(person.id, [])) for person in persons]


def _check_reveal(actor: Actor, reveal: bool) -> None:
    if reveal and not actor.can(Permission.PERSON_IDENTIFY):
        raise Forbidden()


@router.get("/persons", response_model=Page[PersonRead])
def get_persons(
    session: DbSession, reader: Reader, paging: Paging,
    filters: Annotated[PersonFilter, Query()],
) -> Page[PersonRead]:
    """Persons in your area, ID numbers and phones masked; search by name, or by a whole ID
    number or phone."""
    rows, total = list_persons(session, reader.actor, filters, paging)
    return Page[PersonRead](items=_persons(session, rows), total=total, page=paging.page,
                            size=paging.size)


@router.post("/persons", response_model=PersonRead, status_code=201, responses=WRITE_ERRORS)
def post_person(session: DbSession, writer: Writer, data: PersonCreate) -> PersonRead:
    """Register a person in a household of your area (or in a grid, without a household)."""
    person = do_create_person(session, actor=writer.actor, data=data)
    return person_read(person, sorted(tags_of(session, person.id)))


@router.get("/persons/duplicates", response_model=list[DuplicateGroupRead])
def get_duplicates(
    session: DbSession, reader: Reader,
    area: Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$")] = None,
) -> list[DuplicateGroupRead]:
    """Suggested duplicates in your area: records without an ID number that share name, phone
    and birth date (strong), or name and birth date with different phones (weak)."""
    groups = duplicate_suggestions(session, reader.actor, area=area)
    return [DuplicateGroupRead(strength=group.strength, persons=_persons(session, group.persons))
            for group in groups]


@router.get("/persons/{person_id}", response_model=PersonRead, responses=NOT_FOUND)
def get_person(
    person_id: int, session: DbSession, reader: Reader, reveal: Reveal = False
) -> PersonRead:
    """One person; every read is audited, a revealed one as such."""
    _check_reveal(reader.actor, reveal)
    person = access_person(session, reader.actor, person_id)
    do_record_view(session, actor=reader.actor, resource="person", record_id=person.id,
                   area_code=person.area_code, revealed=reveal)
    return person_read(person, sorted(tags_of(session, person.id)), reveal=reveal)


@router.patch("/persons/{person_id}", response_model=PersonRead, responses=WRITE_ERRORS)
def patch_person(
    person_id: int, session: DbSession, writer: Writer, data: PersonUpdate
) -> PersonRead:
    """Change the fields given; `null` clears phone, occupation or notes; tags replace all."""
    person = access_person(session, writer.actor, person_id)
    do_update_person(session, actor=writer.actor, person=person, data=data)
    return person_read(person, sorted(tags_of(session, person.id)))


@router.post("/persons/{person_id}/move", response_model=PersonRead, responses=WRITE_ERRORS)
def post_move(
    person_id: int, session: DbSession, writer: Writer, data: PersonMoveIn
) -> PersonRead:
    """Move a person to another household (of your area): one record, with its history."""
    person = access_person(session, writer.actor, person_id)
    household = access_household(session, writer.actor, data.household_id)
    do_move_person(session, actor=writer.actor, person=person, household=household,
                   relation=data.relation, reason=data.reason)
    return person_read(person, sorted(tags_of(session, person.id)))


@router.post("/persons/{person_id}/merge", response_model=PersonRead, responses=WRITE_ERRORS)
def post_merge(
    person_id: int, session: DbSession, merger: Merger, data: PersonMergeIn
) -> PersonRead:
    """Merge a duplicate into this person: the duplicate is retired, nothing is lost."""
    kept = access_person(session, merger.actor, person_id)
    duplicate = access_person(session, merger.actor, data.duplicate_id)
    do_merge_persons(session, actor=merger.actor, kept=kept, merged=duplicate)
    return person_read(kept, sorted(tags_of(session, kept.id)))


@router.post("/persons/{person_id}/status", response_model=PersonRead, responses=WRITE_ERRORS)
def post_status(
    person_id: int, session: DbSession, writer: Writer, data: PersonStatusIn
) -> PersonRead:
    """Mark a person moved out or deceased, or active again."""
    person = access_person(session, writer.actor, person_id)
    do_set_status(session, actor=writer.actor, person=person, status=data.status,
                  reason=data.reason)
    return person_read(person, sorted(tags_of(session, person.id)))


@router.get("/households", response_model=Page[HouseholdRead])
def get_households(
    session: DbSession, reader: Reader, paging: Paging,
    filters: Annotated[HouseholdFilter, Query()],
) -> Page[HouseholdRead]:
    """Households in your area, by grid and address; phones masked."""
    rows, total = list_households(session, reader.actor, filters, paging)
    return Page[HouseholdRead](items=[household_read(row) for row in rows], total=total,
                               page=paging.page, size=paging.size)


@router.post("/households", response_model=HouseholdRead, status_code=201,
             responses=WRITE_ERRORS)
def post_household(session: DbSession, writer: Writer, data: HouseholdCreate) -> HouseholdRead:
    """Register a household in a grid of your area; its code is generated when not given."""
    return household_read(do_create_household(session, actor=writer.actor, data=data))


@router.get("/households/{household_id}", response_model=HouseholdRead, responses=NOT_FOUND)
def get_household(
    household_id: int, session: DbSession, reader: Reader, reveal: Reveal = False
) -> HouseholdRead:
    """One household; a revealed phone is audited."""
    _check_reveal(reader.actor, reveal)
    household = access_household(session, reader.actor, household_id)
    if reveal:
        do_record_view(session, actor=reader.actor, resource="household",
                       record_id=household.id, area_code=household.area_code, revealed=True)
    return household_read(household, reveal=reveal)


@router.get("/households/{household_id}/members", response_model=list[PersonRead],
            responses=NOT_FOUND)
def get_members(household_id: int, session: DbSession, reader: Reader) -> list[PersonRead]:
    """Everyone recorded in a household, the active ones first; masked."""
    household = access_household(session, reader.actor, household_id)
    return _persons(session, list_members(session, household.id))


@router.patch("/households/{household_id}", response_model=HouseholdRead,
              responses=WRITE_ERRORS)
def patch_household(
    household_id: int, session: DbSession, writer: Writer, data: HouseholdUpdate
) -> HouseholdRead:
    household = access_household(session, writer.actor, household_id)
    do_update_household(session, actor=writer.actor, household=household, data=data)
    return household_read(household)


@router.get("/registry/totals", response_model=RegistryTotalsRead, responses=NOT_FOUND)
def get_totals(
    session: DbSession, reader: Reader,
    area: Annotated[str | None, Query(pattern=r"^[0-9]{2,32}$",
                                      description="default: your own area")] = None,
) -> RegistryTotalsRead:
    """Households, persons and special groups per child area of an area, and their sum (from
    the maintained grid counters: the total always equals the sum of the rows)."""
    target = access_area(session, reader.actor, area or reader.actor.area_code)
    level = child_level(session, target)
    totals = registry_totals(session, target.code, level.key if level else target.level)
    names = area_names(session, [row.area_code for row in totals.rows])
    rows = [AreaTotalsRead(area_code=row.area_code, name=names.get(row.area_code, ""),
                           households=row.households, persons=row.persons, tags=row.tags)
            for row in totals.rows]
    total = AreaTotalsRead(area_code=target.code, name=target.name,
                           households=totals.total.households, persons=totals.total.persons,
                           tags=totals.total.tags)
    return RegistryTotalsRead(area_code=target.code, level=level.key if level else None,
                              rows=rows, total=total)
