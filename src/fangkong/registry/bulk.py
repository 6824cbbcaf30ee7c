"""The fast upsert of checked persons and households, one batch at a time, by natural key.

Used by the importer and by the demo population loader. For each batch: the households are
found (by 户编号, else by grid and address) or created, the persons found (by document type
and number, else by household, name and birth date), compared field by field, and only what
differs is written (`bulk_writer`: COPY on PostgreSQL, executemany on SQLite). Each row ends
added, updated, unchanged or rejected; an empty value never erases a stored one. Records
outside the caller's scope are never touched. What the batch changed is added to the grid
counters and member counts (`bulk_counts`). Never commits: the caller's transaction is the
batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.i18n import N_
from fangkong.registry.bulk_counts import apply_deltas
from fangkong.registry.bulk_households import (
    ADDED,
    UNCHANGED,
    UPDATED,
    BatchOutcome,
    Groups,
    Home,
    Stored,
    chunks,
    household_key,
    resolve_homes,
    upsert_households,
    write_homes,
)
from fangkong.registry.bulk_writer import BulkWriter
from fangkong.registry.codes import IdType, PersonStatus, Relation, Residence
from fangkong.registry.importer_rows import PersonIn
from fangkong.registry.models import Person, PersonMove, PersonTag

PERSON_INSERT = ("id", "area_code", "household_id", "relation", "name", "sex", "id_type",
                 "id_number", "birth_date", "phone", "residence", "occupation", "notes", "status",
                 "created_at", "updated_at")
PERSON_UPDATE = ("area_code", "household_id", "relation", "name", "sex", "birth_date", "phone",
                 "residence", "occupation", "notes", "updated_at")

__all__ = ["BatchOutcome", "Groups", "household_key", "person_key", "upsert_households",
           "upsert_persons"]

RESIDENT_ID = IdType.RESIDENT_ID.value
OUTSIDE_PERSON = N_("This ID number is registered to a person outside your area.")
SPLIT_HOUSEHOLD = N_("Members of one household are given in different grids.")
MERGED = N_("This record was merged into another one and can no longer change.")
REPEATED_PERSON = N_("This person appears in an earlier row of the file.")


def person_key(person: PersonIn) -> object:
    """A person's natural key, compact: a resident ID as the integer of its first 17 digits."""
    if person.id_number is None:
        home = person.household_code or (person.grid, person.address)
        return (home, person.name, person.birth_date)
    if person.id_type == RESIDENT_ID:
        return int(person.id_number[:17])
    return (person.id_type, person.id_number)


# Persons ------------------------------------------------------------------------------------


def group_persons(people: Sequence[PersonIn], seen: set[object]) -> Groups:
    """The households the persons' rows form (rows sharing a 户编号, else a grid and an
    address); the head's row gives the household's head name and phone. A person met before
    in the file (`seen`, which gains this batch's keys), or in another grid than the rest of
    the household, is rejected."""
    groups = Groups()
    homes, kept, head = groups.homes, groups.kept, Relation.HEAD.value
    for person in people:
        number = person.id_number  # person_key and household_key, written out (per row)
        key = person_key(person) if number is None or person.id_type != RESIDENT_ID else int(
            number[:17])
        if key in seen:
            groups.rejected[person.row] = {"id_number": REPEATED_PERSON}
            continue
        code = person.household_code
        home_key = ("c", code) if code else ("a", person.grid, person.address)
        home = homes.get(home_key)
        if home is None:
            home = homes[home_key] = Home(code, person.grid, person.address)
        elif home.grid != person.grid:
            groups.rejected[person.row] = {"grid": SPLIT_HOUSEHOLD}
            continue
        seen.add(key)
        if home.address is None:
            home.address = person.address
        if person.relation == head:
            home.head_name = person.name
            home.phone = person.phone if person.phone is not None else home.phone
        home.rows.append(person.row)
        kept.append((person, home))
    return groups


class StoredPerson(NamedTuple):
    id: int
    area_code: str
    household_id: int | None
    relation: str
    name: str
    sex: str | None
    id_type: str
    id_number: str | None
    birth_date: date | None
    phone: str
    residence: str
    occupation: str
    notes: str
    status: str


def _fetch_persons(
    session: Session, writer: BulkWriter, kept: Sequence[tuple[PersonIn, Home]]
) -> dict[object, StoredPerson]:
    """Stored persons by natural key: (id_type, number), or (household id, name, birth)."""
    numbers: dict[str, set[str]] = {}
    households: set[int] = set()
    for person, home in kept:
        if person.id_number is not None:
            numbers.setdefault(person.id_type, set()).add(person.id_number)
        elif home.id is not None:
            households.add(home.id)
    found: dict[object, StoredPerson] = {}
    for id_type, wanted in numbers.items():
        for row in writer.fetch(Person.__tablename__, StoredPerson._fields, key="id_number",
                                values=sorted(wanted), where={"id_type": id_type},
                                dates=("birth_date",)):
            stored = StoredPerson._make(row)
            found[stored.id_type, stored.id_number] = stored
    columns = [Person.__table__.c[name] for name in StoredPerson._fields]
    for chunk in chunks(sorted(households)):
        stmt = select(*columns).where(
            and_(Person.household_id.in_(chunk), Person.id_number.is_(None))).order_by(Person.id)
        for row in session.connection().execute(stmt):
            stored = StoredPerson._make(row)
            found.setdefault((stored.household_id, stored.name, stored.birth_date), stored)
    return found


def _fetch_tags(session: Session, person_ids: Sequence[int]) -> dict[int, set[str]]:
    tags: dict[int, set[str]] = {}
    for chunk in chunks(sorted(person_ids)):
        stmt = select(PersonTag.person_id, PersonTag.tag).where(PersonTag.person_id.in_(chunk))
        for person_id, tag in session.execute(stmt):
            tags.setdefault(person_id, set()).add(tag)
    return tags


def _stored_key(person: PersonIn, home: Home) -> object:
    if person.id_number is not None:
        return (person.id_type, person.id_number)
    return (home.id, person.name, person.birth_date)


def _person_values(person: PersonIn, home: Home, old: Stored) -> tuple[object, ...]:
    """The PERSON_UPDATE values (without updated_at): the row's, the stored ones where empty."""
    given = (home.grid, home.id, person.relation, person.name, person.sex, person.birth_date,
             person.phone, person.residence, person.occupation, person.notes)
    return tuple(getattr(old, name) if value is None else value
                 for value, name in zip(given, PERSON_UPDATE[:-1], strict=True))


@dataclass
class _PersonWrites:
    inserts: list[tuple[object, ...]] = field(default_factory=list)
    updates: list[tuple[object, ...]] = field(default_factory=list)
    moves: list[dict[str, object]] = field(default_factory=list)
    tags_added: list[tuple[int, str, str]] = field(default_factory=list)
    tags_removed: list[tuple[int, str]] = field(default_factory=list)
    tags_moved: list[tuple[str, int]] = field(default_factory=list)
    new: list[tuple[PersonIn, Home]] = field(default_factory=list)


def _classify(
    kept: Sequence[tuple[PersonIn, Home]], stored: dict[object, Stored],
    tags: dict[int, set[str]], *, writer: BulkWriter, now: datetime, scope: str,
    outcome: BatchOutcome,
) -> _PersonWrites:
    writes, stamp = _PersonWrites(), writer.stamp(now)
    if not stored:  # a first import: every person is new
        writes.new = list(kept)
        return writes
    for person, home in kept:
        old = stored.get(_stored_key(person, home))
        if old is None:
            writes.new.append((person, home))
            continue
        if not old.area_code.startswith(scope):
            outcome.reject(person.row, "id_number", OUTSIDE_PERSON)
            continue
        if old.status == PersonStatus.MERGED:
            outcome.reject(person.row, "id_number", MERGED)
            continue
        values = _person_values(person, home, old)
        before = tags.get(old.id, set())
        after = before if person.tags is None else set(person.tags)
        if values == tuple(getattr(old, name) for name in PERSON_UPDATE[:-1]) and (
                after == before):
            outcome.results[person.row] = UNCHANGED
            continue
        outcome.results[person.row] = UPDATED
        outcome.grids.update((old.area_code, home.grid))
        if old.status == PersonStatus.ACTIVE:
            _count_change(outcome, old, home, before, after)
        writes.updates.append((*values[:5], writer.day(person.birth_date or old.birth_date),
                               *values[6:], stamp, old.id))
        writes.tags_added += [(old.id, tag, home.grid) for tag in sorted(after - before)]
        writes.tags_removed += [(old.id, tag) for tag in sorted(before - after)]
        if old.household_id != home.id or old.area_code != home.grid:
            writes.moves.append({"person_id": old.id, "from_household_id": old.household_id,
                                 "to_household_id": home.id, "from_area_code": old.area_code,
                                 "area_code": home.grid, "at": now})
            if old.area_code != home.grid:
                writes.tags_moved.append((home.grid, old.id))
    return writes


def _count_change(
    outcome: BatchOutcome, old: Stored, home: Home, before: set[str], after: set[str]
) -> None:
    """The counter changes of an active person's update: another grid, household or tags."""
    deltas = outcome.deltas
    if old.area_code != home.grid:
        deltas.person(old.area_code, before, -1)
        deltas.person(home.grid, after, 1)
    else:
        for tag in after - before:
            deltas.tag(home.grid, tag, 1)
        for tag in before - after:
            deltas.tag(home.grid, tag, -1)
    if old.household_id != home.id:
        deltas.member(old.household_id, -1)
        deltas.member(home.id, 1)


def _new_persons(writer: BulkWriter, writes: _PersonWrites, now: datetime,
                 outcome: BatchOutcome) -> None:
    """The rows of the new persons, with ids of their own; added to the counts at once."""
    stamp, active = writer.stamp(now), PersonStatus.ACTIVE.value
    other, resident = Relation.OTHER.value, Residence.RESIDENT.value
    new = writes.new
    ids = writer.reserve_ids(Person.__tablename__, len(new))
    births = writer.days([person.birth_date for person, _ in new])
    writes.inserts += [
        (new_id, home.grid, home.id, person.relation or other, person.name, person.sex,
         person.id_type, person.id_number, birth, person.phone or "",
         person.residence or resident, person.occupation or "", person.notes or "", active,
         stamp, stamp)
        for (person, home), new_id, birth in zip(new, ids, births, strict=True)]
    for (person, home), new_id in zip(new, ids, strict=True):
        if person.tags:
            writes.tags_added += [(new_id, tag, home.grid) for tag in person.tags]
            for tag in person.tags:
                outcome.deltas.tag(home.grid, tag, 1)
    outcome.results.update(dict.fromkeys([person.row for person, _ in new], ADDED))
    persons = Counter([home.grid for _, home in new])
    members = Counter([home.id for _, home in new if home.id])
    outcome.grids.update(persons)
    outcome.deltas.persons.update(persons)
    outcome.deltas.members.update(members)


def _write_persons(session: Session, writer: BulkWriter, writes: _PersonWrites,
                   actor_id: int | None, reason: str) -> None:
    person_table, tag_table = Person.__tablename__, PersonTag.__tablename__
    writer.insert(person_table, PERSON_INSERT, writes.inserts)
    writer.update(person_table, PERSON_UPDATE, writes.updates)
    writer.delete(tag_table, ("person_id", "tag"), writes.tags_removed)
    writer.update(tag_table, ("area_code",), writes.tags_moved, key="person_id")
    writer.insert(tag_table, ("person_id", "tag", "area_code"), writes.tags_added)
    if writes.moves:
        session.execute(insert(PersonMove),
                        [{**move, "actor_id": actor_id, "reason": reason[:200]}
                         for move in writes.moves])


def upsert_persons(
    session: Session, *, scope: str, persons: Sequence[PersonIn],
    seen: set[object] | None = None, actor_id: int | None = None, reason: str = "",
    now: datetime | None = None,
) -> BatchOutcome:
    """Persons of a person sheet and the households their rows form; `seen` holds the natural
    keys of the file's earlier rows (a repeat is rejected, so a file has one meaning however it
    is cut into batches) and gains this batch's."""
    groups = group_persons(persons, set() if seen is None else seen)
    return upsert_person_groups(session, scope=scope, groups=groups, actor_id=actor_id,
                                reason=reason, now=now)


def upsert_person_groups(
    session: Session, *, scope: str, groups: Groups, actor_id: int | None = None,
    reason: str = "", now: datetime | None = None,
) -> BatchOutcome:
    """Find, create or update the households and persons of a grouped batch; `reason` is
    written on the moves it makes."""
    outcome, now = BatchOutcome(rejected=dict(groups.rejected)), now or utcnow()
    writer = BulkWriter(session)
    plan = resolve_homes(session, writer, groups.homes, scope=scope, now=now, outcome=outcome)
    accepted = []
    for person, home in groups.kept:
        if home.refused:
            outcome.reject(person.row, "household_code", home.refused)
        else:
            accepted.append((person, home))
    stored = _fetch_persons(session, writer, accepted)
    tags = _fetch_tags(session, [row.id for row in stored.values()]) if any(
        person.tags is not None for person, _ in accepted) else {}
    writes = _classify(accepted, stored, tags, writer=writer, now=now, scope=scope,
                       outcome=outcome)
    _new_persons(writer, writes, now, outcome)
    write_homes(writer, plan, outcome.deltas.members)
    _write_persons(session, writer, writes, actor_id, reason)
    apply_deltas(writer, outcome.deltas)
    return outcome
