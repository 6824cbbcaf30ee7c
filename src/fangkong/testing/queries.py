"""Reads of samples, results, positives and retests, each restricted to the caller's area."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fangkong.errors import Invalid, NotFound
from fangkong.i18n import N_
from fangkong.registry.codes import IdType, PersonStatus
from fangkong.registry.models import Person
from fangkong.registry.queries import search_condition
from fangkong.registry.validators import parse_id_number
from fangkong.scope import Actor, in_scope
from fangkong.testing.codes import Retest
from fangkong.testing.models import Positive, ResultEntry, Sample, SampleMember
from fangkong.testing.schemas import PositiveFilter, RetestFilter, SampleFilter
from fangkong.web.pagination import PageParams

MAX_ID = 2**63 - 1
SEARCH_LIMIT = 10
UNKNOWN_ID = N_("No person with this ID number is registered in your area.")


def access_sample(session: Session, actor: Actor, sample_id: int) -> Sample:
    """A sample in the actor's area; NotFound for a missing one and one outside it."""
    sample = session.get(Sample, sample_id) if 0 < sample_id <= MAX_ID else None
    if sample is None or not actor.sees(sample.area_code):
        raise NotFound()
    return sample


def access_positive(session: Session, actor: Actor, positive_id: int) -> Positive:
    positive = session.get(Positive, positive_id) if 0 < positive_id <= MAX_ID else None
    if positive is None or not actor.sees(positive.area_code):
        raise NotFound()
    return positive


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day as a half-open range of instants."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def samples_stmt(actor: Actor, filters: SampleFilter, zone: ZoneInfo) -> Select[Sample]:
    """Samples in the actor's area, the latest taken first."""
    stmt = (select(Sample).where(in_scope(Sample.area_code.expression, actor.scope))
            .order_by(Sample.collected_at.desc(), Sample.id.desc()))
    if filters.area:
        stmt = stmt.where(in_scope(Sample.area_code.expression, filters.area))
    if filters.day is not None:
        first, last = day_bounds(filters.day, zone)
        stmt = stmt.where(Sample.collected_at >= first, Sample.collected_at < last)
    if filters.result is not None:
        stmt = stmt.where(Sample.result == filters.result.value)
    if filters.kind is not None:
        stmt = stmt.where(Sample.kind == filters.kind.value)
    if filters.tube:
        stmt = stmt.where(Sample.tube_code.startswith(filters.tube.strip(), autoescape=True))
    return stmt


def member_counts(session: Session, sample_ids: Sequence[int]) -> dict[int, int]:
    if not sample_ids:
        return {}
    stmt = (select(SampleMember.sample_id, func.count()).where(
        SampleMember.sample_id.in_(list(sample_ids))).group_by(SampleMember.sample_id))
    return {int(sample_id): int(count) for sample_id, count in session.execute(stmt)}


def list_members(session: Session, sample_id: int) -> list[tuple[SampleMember, Person]]:
    stmt = (select(SampleMember, Person).join(Person, Person.id == SampleMember.person_id)
            .where(SampleMember.sample_id == sample_id).order_by(Person.name, Person.id))
    return [(member, person) for member, person in session.execute(stmt)]


def list_results(session: Session, sample_id: int) -> list[ResultEntry]:
    """A tube's result history, the latest reported first."""
    stmt = (select(ResultEntry).where(ResultEntry.sample_id == sample_id)
            .order_by(ResultEntry.reported_at.desc(), ResultEntry.id.desc()))
    return list(session.scalars(stmt))


def samples_of_person(session: Session, person_id: int) -> list[Sample]:
    stmt = (select(Sample).join(SampleMember, SampleMember.sample_id == Sample.id)
            .where(SampleMember.person_id == person_id).order_by(Sample.collected_at.desc()))
    return list(session.scalars(stmt))


def positives_stmt(actor: Actor, filters: PositiveFilter) -> Select[Positive, Person, Sample]:
    """The "positive, to handle" list: open ones first, the latest raised first."""
    stmt = (select(Positive, Person, Sample).join(Person, Person.id == Positive.person_id)
            .join(Sample, Sample.id == Positive.sample_id)
            .where(in_scope(Positive.area_code.expression, actor.scope))
            .order_by(Positive.status != "open", Positive.raised_at.desc(), Positive.id.desc()))
    if filters.status is not None:
        stmt = stmt.where(Positive.status == filters.status.value)
    if filters.area:
        stmt = stmt.where(in_scope(Positive.area_code.expression, filters.area))
    return stmt


def positive_row(session: Session, positive: Positive) -> tuple[Positive, Person, Sample]:
    person = session.get_one(Person, positive.person_id)
    return positive, person, session.get_one(Sample, positive.sample_id)


def retest_stmt(actor: Actor, filters: RetestFilter) -> Select[SampleMember, Person, Sample]:
    """Persons of positive pooled tubes still to retest, by grid, the oldest tube first."""
    stmt = (select(SampleMember, Person, Sample)
            .join(Person, Person.id == SampleMember.person_id)
            .join(Sample, Sample.id == SampleMember.sample_id)
            .where(in_scope(SampleMember.area_code.expression, actor.scope),
                   SampleMember.retest == Retest.REQUIRED.value)
            .order_by(SampleMember.area_code, Sample.collected_at, Person.id))
    if filters.area:
        stmt = stmt.where(in_scope(SampleMember.area_code.expression, filters.area))
    return stmt


def page_rows(
    session: Session, stmt: Select[*tuple[Any, ...]], params: PageParams
) -> tuple[list[Any], int]:
    """One page of a select of several entities (each row a tuple) and the count of all."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(params.size).offset(params.offset)).all()
    return [tuple(row) for row in rows], total


def search_persons(session: Session, actor: Actor, text: str) -> list[Person]:
    """Active persons in the actor's area by ID number, phone or name (for adding to a tube)."""
    if len(text.strip()) < 2:
        return []
    stmt = (select(Person).where(in_scope(Person.area_code.expression, actor.scope),
                                 Person.status == PersonStatus.ACTIVE.value,
                                 search_condition(text))
            .order_by(Person.area_code, Person.id).limit(SEARCH_LIMIT))
    return list(session.scalars(stmt))


def persons_in_scope(session: Session, actor: Actor, person_ids: Iterable[int]) -> list[Person]:
    """The persons, in the given order; NotFound when one is missing or outside the area."""
    found: list[Person] = []
    for person_id in person_ids:
        person = session.get(Person, person_id) if 0 < person_id <= MAX_ID else None
        if person is None or not actor.sees(person.area_code):
            raise NotFound()
        found.append(person)
    return found


def persons_by_id_numbers(session: Session, actor: Actor, numbers: Iterable[str]) -> list[Person]:
    """Persons in the actor's area by resident ID number; Invalid naming the first unknown."""
    found: list[Person] = []
    for text in numbers:
        number = parse_id_number(text, field="id_numbers").number
        person = session.scalar(select(Person).where(
            Person.id_type == IdType.RESIDENT_ID.value, Person.id_number == number))
        if person is None or not actor.sees(person.area_code):
            raise Invalid(UNKNOWN_ID, fields={"id_numbers": UNKNOWN_ID})
        found.append(person)
    return found
