"""Reads of the registry: persons and households in scope, duplicates, and the rollups of the
maintained grid counters (what coverage and the daily report add up)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.errors import Invalid, NotFound
from fangkong.registry.codes import IdType, PersonStatus, Tag
from fangkong.registry.models import (
    GridCounter,
    Household,
    Person,
    PersonMerge,
    PersonMove,
    PersonTag,
)
from fangkong.registry.schemas import HouseholdFilter, PersonFilter
from fangkong.registry.validators import (
    LOCAL_ZONE,
    normalise_phone,
    normalise_text,
    parse_id_number,
)
from fangkong.scope import Actor, in_scope
from fangkong.web.pagination import PageParams, paginate

DUPLICATE_LIMIT = 50
_CHUNK = 500


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


# Persons and households -----------------------------------------------------------------------


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def access_person(session: Session, actor: Actor, person_id: int) -> Person:
    """The person if inside the actor's scope; NotFound for a missing one and one outside it."""
    person = session.get(Person, person_id)
    if person is None or not actor.sees(person.area_code):
        raise NotFound()
    return person


def get_household(session: Session, household_id: int) -> Household | None:
    return session.get(Household, household_id)


def get_household_by_code(session: Session, code: str) -> Household | None:
    return session.scalar(select(Household).where(Household.code == code))


def access_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if inside the actor's scope; NotFound for a missing one and one outside."""
    household = session.get(Household, household_id)
    if household is None or not actor.sees(household.area_code):
        raise NotFound()
    return household


def find_by_id_number(session: Session, id_type: str, id_number: str) -> Person | None:
    """The person holding a document number anywhere in the city (scope is the caller's job)."""
    return session.scalar(
        select(Person).where(Person.id_type == id_type, Person.id_number == id_number)
    )


def tags_of(session: Session, person_id: int) -> set[str]:
    return set(session.scalars(select(PersonTag.tag).where(PersonTag.person_id == person_id)))


def tags_by_person(session: Session, person_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tags of many persons, in the order of the Tag enum."""
    order = {tag.value: index for index, tag in enumerate(Tag)}
    found: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(person_ids), _CHUNK):
        chunk = person_ids[start : start + _CHUNK]
        stmt = select(PersonTag.person_id, PersonTag.tag).where(PersonTag.person_id.in_(chunk))
        for person_id, tag in session.execute(stmt):
            found[person_id].append(tag)
    return {key: sorted(tags, key=lambda tag: order.get(tag, 99)) for key, tags in found.items()}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def search_condition(text: str) -> ColumnElement[bool]:
    """Name contains the text, or the ID number or phone equals its normalised form."""
    needle = normalise_text(text)
    compact = needle.replace(" ", "").upper()
    conditions = [Person.name.contains(needle, autoescape=True)]
    try:
        resident = parse_id_number(compact)
        conditions.append(and_(Person.id_type == IdType.RESIDENT_ID,
                               Person.id_number == resident.number))
    except Invalid:
        if len(compact) >= 5 and compact.isalnum():
            conditions.append(Person.id_number == compact)
    with suppress(Invalid):
        conditions.append(Person.phone == normalise_phone(needle))
    return or_(*conditions)


def persons_stmt(actor: Actor, filters: PersonFilter, today: date) -> Select[Person]:
    """Persons in the actor's scope matching the filter, by area and id."""
    stmt = select(Person).where(Person.status == filters.status)
    if filters.area:
        stmt = stmt.where(in_scope(Person.area_code.expression, filters.area))
    if filters.q and filters.q.strip():
        stmt = stmt.where(search_condition(filters.q))
    if filters.tag is not None:
        stmt = stmt.where(Person.id.in_(select(PersonTag.person_id).where(
            PersonTag.tag == filters.tag)))
    if filters.residence is not None:
        stmt = stmt.where(Person.residence == filters.residence)
    if filters.household_id is not None:
        stmt = stmt.where(Person.household_id == filters.household_id)
    if filters.age is not None:
        low, high = filters.age.bounds
        stmt = stmt.where(Person.birth_date <= _years_before(today, low))
        if high is not None:
            stmt = stmt.where(Person.birth_date > _years_before(today, high + 1))
    return stmt.where(in_scope(Person.area_code.expression, actor.scope)).order_by(
        Person.area_code, Person.id)


def list_persons(
    session: Session, actor: Actor, filters: PersonFilter, paging: PageParams
) -> tuple[list[Person], int]:
    """One page of persons in scope and the number of all that match."""
    rows, total = paginate(session, persons_stmt(actor, filters, local_today()), paging)
    return list(rows), total


def households_stmt(actor: Actor, filters: HouseholdFilter) -> Select[Household]:
    stmt = select(Household).order_by(Household.area_code, Household.address, Household.id)
    if filters.area:
        stmt = stmt.where(in_scope(Household.area_code.expression, filters.area))
    if filters.q and filters.q.strip():
        needle = normalise_text(filters.q)
        stmt = stmt.where(or_(
            Household.address.contains(needle, autoescape=True),
            Household.head_name.contains(needle, autoescape=True),
            Household.code == needle,
        ))
    return stmt.where(in_scope(Household.area_code.expression, actor.scope))


def list_households(
    session: Session, actor: Actor, filters: HouseholdFilter, paging: PageParams
) -> tuple[list[Household], int]:
    rows, total = paginate(session, households_stmt(actor, filters), paging)
    return list(rows), total


def list_members(session: Session, household_id: int) -> list[Person]:
    """Everyone recorded in a household, the active ones first, the head first among them."""
    rows = session.scalars(select(Person).where(Person.household_id == household_id)
                           .order_by(Person.id))
    return sorted(rows, key=lambda p: (p.status != PersonStatus.ACTIVE, p.relation != "head"))


def list_moves(session: Session, person_id: int) -> list[PersonMove]:
    stmt = select(PersonMove).where(PersonMove.person_id == person_id).order_by(PersonMove.id)
    return list(session.scalars(stmt))


def list_merges(session: Session, person_id: int) -> list[PersonMerge]:
    """The merges this person took part in, kept or merged."""
    stmt = select(PersonMerge).where(or_(
        PersonMerge.kept_id == person_id, PersonMerge.merged_id == person_id,
    )).order_by(PersonMerge.id)
    return list(session.scalars(stmt))


def area_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The name of each area code."""
    wanted = sorted(set(codes))
    names: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        stmt = select(Area.code, Area.name).where(Area.code.in_(wanted[start : start + _CHUNK]))
        names.update({str(code): str(name) for code, name in session.execute(stmt)})
    return names


def place_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """A readable place for each area code: the parent's name and the area's (幸福社区 第1网格)."""
    wanted = sorted(set(codes))
    areas: dict[str, Area] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        areas.update({a.code: a for a in session.scalars(select(Area).where(Area.code.in_(chunk)))})
    parents = {a.parent_code for a in areas.values() if a.parent_code} - set(areas)
    if parents:
        stmt = select(Area).where(Area.code.in_(sorted(parents)))
        areas.update({a.code: a for a in session.scalars(stmt)})
    names: dict[str, str] = {}
    for code in wanted:
        area = areas.get(code)
        parent = areas.get(area.parent_code or "") if area else None
        names[code] = " ".join(a.name for a in (parent, area) if a is not None) or code
    return names


# Duplicates -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records that may be one person: `strong` share name, phone and birth date; `weak` share
    name and birth date with different phones. At most one of them has an ID number."""

    strength: str
    persons: list[Person]


def _candidates(actor: Actor, area: str | None) -> list[ColumnElement[bool]]:
    conditions = [Person.status == PersonStatus.ACTIVE, Person.birth_date.is_not(None),
                  in_scope(Person.area_code.expression, actor.scope)]
    if area:
        conditions.append(in_scope(Person.area_code.expression, area))
    return conditions


def _mergeable() -> list[ColumnElement[bool]]:
    """A group has a record without an ID number, and at most one with one."""
    with_id = func.count(Person.id_number)
    return [func.count() > 1, with_id <= 1, func.count() > with_id]


def _groups(
    session: Session, base: list[ColumnElement[bool]], keys: list[tuple[object, ...]],
    names: tuple[str, ...], strength: str,
) -> list[DuplicateGroup]:
    if not keys:
        return []
    matches = or_(*(and_(*(getattr(Person, name) == value
                           for name, value in zip(names, key, strict=True))) for key in keys))
    grouped: dict[tuple[object, ...], list[Person]] = defaultdict(list)
    for person in session.scalars(select(Person).where(*base, matches).order_by(Person.id)):
        grouped[tuple(getattr(person, name) for name in names)].append(person)
    return [DuplicateGroup(strength, grouped[key]) for key in keys if len(grouped[key]) > 1]


def _keys(
    session: Session, base: list[ColumnElement[bool]], names: tuple[str, ...],
    having: list[ColumnElement[bool]], limit: int,
) -> list[tuple[object, ...]]:
    columns = [getattr(Person, name) for name in names]
    stmt = (select(*columns).where(*base).group_by(*columns).having(*_mergeable(), *having)
            .order_by(*columns).limit(limit))
    return [tuple(row) for row in session.execute(stmt)]


def duplicate_suggestions(
    session: Session, actor: Actor, *, area: str | None = None, limit: int = DUPLICATE_LIMIT
) -> list[DuplicateGroup]:
    """Suggested duplicates in scope: the strong groups first, then the weak ones."""
    base = _candidates(actor, area)
    strong_names, weak_names = ("name", "phone", "birth_date"), ("name", "birth_date")
    strong = _keys(session, [*base, Person.phone != ""], strong_names, [], limit)
    weak = _keys(session, base, weak_names, [func.count(func.distinct(Person.phone)) > 1], limit)
    return (_groups(session, base, strong, strong_names, "strong")
            + _groups(session, base, weak, weak_names, "weak"))


def duplicates_of(session: Session, actor: Actor, person: Person) -> list[Person]:
    """Active records in scope that may be this person: same name and birth date, or same name
    and phone where a birth date is missing; never two records that both carry an ID number."""
    matches = []
    if person.birth_date is not None:
        matches.append(Person.birth_date == person.birth_date)
    if person.phone:
        matches.append(and_(Person.phone == person.phone, Person.birth_date.is_(None))
                       if person.birth_date is not None else Person.phone == person.phone)
    if not matches or person.status != PersonStatus.ACTIVE:
        return []
    stmt = select(Person).where(
        Person.name == person.name, Person.id != person.id, or_(*matches),
        Person.status == PersonStatus.ACTIVE,
    ).order_by(Person.id).limit(20)
    if person.id_number is not None:
        stmt = stmt.where(Person.id_number.is_(None))
    return list(session.scalars(stmt.where(in_scope(Person.area_code.expression, actor.scope))))


# Totals from the grid counters ----------------------------------------------------------------


@dataclass(slots=True)
class AreaTotals:
    area_code: str
    households: int = 0
    persons: int = 0
    tags: dict[str, int] = field(default_factory=dict)

    def add(self, other: AreaTotals) -> None:
        self.households += other.households
        self.persons += other.persons
        for tag, count in other.tags.items():
            self.tags[tag] = self.tags.get(tag, 0) + count


@dataclass(frozen=True, slots=True)
class RegistryTotals:
    """Per child area (every area of the level under the prefix) and their sum."""

    rows: list[AreaTotals]
    total: AreaTotals


def level_length(session: Session, level: str) -> int:
    length = session.scalar(select(AreaLevel.code_length).where(AreaLevel.key == level))
    if length is None:
        raise NotFound()
    return length


def child_level(session: Session, area: Area) -> AreaLevel | None:
    """The level right below an area's, None for the lowest level."""
    rank = select(AreaLevel.rank).where(AreaLevel.key == area.level).scalar_subquery()
    return session.scalar(select(AreaLevel).where(AreaLevel.rank == rank + 1))


def registry_totals(session: Session, scope_prefix: str, level: str) -> RegistryTotals:
    """Households, persons and tag counts per area of `level` under `scope_prefix`, summed from
    the grid counters with one GROUP BY on a prefix of the code; `total` is their sum."""
    length = level_length(session, level)
    head = func.substr(GridCounter.area_code, 1, length)
    tag_sums = [func.coalesce(func.sum(GridCounter.tags[tag.value].as_integer()), 0)
                for tag in Tag]
    stmt = (select(head, func.sum(GridCounter.households), func.sum(GridCounter.persons),
                   *tag_sums)
            .where(in_scope(GridCounter.area_code.expression, scope_prefix)).group_by(head))
    found: dict[str, AreaTotals] = {}
    for code, households, persons, *tags in session.execute(stmt):
        found[code] = AreaTotals(code, int(households or 0), int(persons or 0), {
            tag.value: int(count) for tag, count in zip(Tag, tags, strict=True) if count})
    children = session.scalars(select(Area.code).where(
        Area.level == level, in_scope(Area.code.expression, scope_prefix)))
    for code in children:
        found.setdefault(code, AreaTotals(code))
    rows = [found[code] for code in sorted(found)]
    total = AreaTotals(scope_prefix)
    for row in rows:
        total.add(row)
    return RegistryTotals(rows, total)


def get_grid_counter(session: Session, area_code: str) -> GridCounter | None:
    stmt = select(GridCounter).where(GridCounter.area_code == area_code)
    return session.scalar(stmt.execution_options(populate_existing=True))
