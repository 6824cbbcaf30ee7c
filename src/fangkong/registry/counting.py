"""The registry's maintained counts: `GridCounter` per grid and `Household.members`.

Single-record actions adjust them incrementally (`count_*`, `set_members`), atomically on both
engines; `refresh_counters` recomputes them from the tables for given grids after a bulk load.
What is counted: every household; active persons; the tags of active persons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangkong.db import bump, utcnow
from fangkong.registry.codes import PersonStatus
from fangkong.registry.models import GridCounter, Household, Person, PersonTag
from fangkong.registry.queries import tags_of

_CHUNK = 500


def count_household(session: Session, *, area_code: str, sign: int) -> None:
    bump(session, GridCounter, keys={"area_code": area_code}, increments={"households": sign})


def count_person(session: Session, *, area_code: str, tags: Iterable[str], sign: int) -> None:
    """Count a person (and their tags) in or out of a grid."""
    bump(session, GridCounter, keys={"area_code": area_code}, increments={"persons": sign})
    count_tags(session, area_code=area_code, deltas=dict.fromkeys(tags, sign))


def count_tags(session: Session, *, area_code: str, deltas: Mapping[str, int]) -> None:
    """Add to the tag counts of a grid. The row is created and locked by a zero bump first, so
    concurrent writers of one grid take turns on its JSON counts."""
    deltas = {tag: delta for tag, delta in deltas.items() if delta}
    if not deltas:
        return
    bump(session, GridCounter, keys={"area_code": area_code}, increments={"persons": 0})
    current = session.scalar(select(GridCounter.tags).where(
        GridCounter.area_code == area_code).with_for_update())
    counts = dict(current or {})
    for tag, delta in deltas.items():
        counts[tag] = counts.get(tag, 0) + delta
    session.execute(
        update(GridCounter).where(GridCounter.area_code == area_code)
        .values(tags={tag: n for tag, n in sorted(counts.items()) if n}, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def write_tags(session: Session, person: Person, tags: set[str]) -> tuple[set[str], set[str]]:
    """Make the person's tag rows these tags; return (added, removed)."""
    current = tags_of(session, person.id)
    added, removed = tags - current, current - tags
    for tag in sorted(added):
        session.add(PersonTag(person_id=person.id, tag=tag, area_code=person.area_code))
    for row in session.scalars(select(PersonTag).where(
            PersonTag.person_id == person.id, PersonTag.tag.in_(sorted(removed)))):
        session.delete(row)
    session.flush()
    if person.status == PersonStatus.ACTIVE:
        count_tags(session, area_code=person.area_code,
                   deltas={**dict.fromkeys(added, 1), **dict.fromkeys(removed, -1)})
    return added, removed


def set_members(session: Session, *, household_id: int, delta: int) -> None:
    """Add to a household's member count in one UPDATE (members = members + delta)."""
    household = session.get(Household, household_id)
    if household is None:
        return
    household.members = Household.members + delta
    session.flush()


def _counts(session: Session, chunk: list[str]) -> list[dict[str, object]]:
    households = {str(code): int(n) for code, n in session.execute(
        select(Household.area_code, func.count()).where(Household.area_code.in_(chunk))
        .group_by(Household.area_code))}
    active = [Person.area_code.in_(chunk), Person.status == PersonStatus.ACTIVE]
    persons = {str(code): int(n) for code, n in session.execute(
        select(Person.area_code, func.count()).where(*active).group_by(Person.area_code))}
    tags: dict[str, dict[str, int]] = defaultdict(dict)
    stmt = (select(Person.area_code, PersonTag.tag, func.count())
            .join(Person, Person.id == PersonTag.person_id).where(*active)
            .group_by(Person.area_code, PersonTag.tag))
    for code, tag, count in session.execute(stmt):
        tags[code][tag] = count
    now = utcnow()
    return [{"area_code": code, "households": households.get(code, 0),
             "persons": persons.get(code, 0), "tags": dict(sorted(tags[code].items())),
             "updated_at": now} for code in chunk]


def _upsert(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(GridCounter.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["area_code"],
        set_={name: stmt.excluded[name] for name in ("households", "persons", "tags",
                                                    "updated_at")},
    )
    session.execute(stmt, rows)


def _refresh_members(session: Session, chunk: list[str]) -> None:
    members = (select(func.count()).where(Person.household_id == Household.id,
                                          Person.status == PersonStatus.ACTIVE)
               .correlate(Household).scalar_subquery())
    session.execute(update(Household).where(Household.area_code.in_(chunk))
                    .values(members=members).execution_options(synchronize_session=False))


def refresh_counters(session: Session, grid_codes: Iterable[str]) -> None:
    """Recompute the counters of these grids and the member counts of their households from
    the tables (after a bulk load); the same SQL on both engines."""
    session.flush()
    codes = sorted(set(grid_codes))
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        _upsert(session, _counts(session, chunk))
        _refresh_members(session, chunk)
    for item in list(session.identity_map.values()):
        if isinstance(item, Household | GridCounter) and item.area_code in codes:
            session.expire(item)
