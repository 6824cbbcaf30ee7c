"""The counters a bulk batch changes, applied as increments in a few statements.

`counting.refresh_counters` recounts whole grids, which costs the grid's size on every batch:
a million-row file not sorted by grid would recount every grid a hundred times. A batch knows
exactly what it changed, so it adds that, in the batch's own transaction: persons and
households per grid (one multi-row `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`),
the tag counts of the grids (read under lock, written back), and the member counts of the
stored households (new ones are written with theirs). The tests check the result against
`refresh_counters`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.registry.bulk_writer import BulkWriter
from fangkong.registry.models import GridCounter, Household


@dataclass
class Deltas:
    """What to add to the counters: per grid, per grid and tag, per household."""

    persons: Counter[str] = field(default_factory=Counter)
    households: Counter[str] = field(default_factory=Counter)
    tags: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    members: Counter[int] = field(default_factory=Counter)

    def person(self, grid: str, tags: Iterable[str], sign: int) -> None:
        self.persons[grid] += sign
        for tag in tags:
            self.tags[grid][tag] += sign

    def tag(self, grid: str, tag: str, sign: int) -> None:
        self.tags[grid][tag] += sign

    def member(self, household_id: int | None, sign: int) -> None:
        if household_id is not None:
            self.members[household_id] += sign


def _grid_rows(deltas: Deltas) -> list[dict[str, object]]:
    grids = sorted(set(deltas.persons) | set(deltas.households) | set(deltas.tags))
    now = utcnow()
    return [{"area_code": grid, "households": deltas.households[grid],
             "persons": deltas.persons[grid], "tags": {}, "updated_at": now} for grid in grids]


def _add_counts(session: Session, rows: list[dict[str, object]]) -> None:
    """Add to households and persons of each grid, creating the grid's row at first."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = GridCounter.__table__
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["area_code"], set_={
        "households": table.c.households + stmt.excluded.households,
        "persons": table.c.persons + stmt.excluded.persons,
        "updated_at": stmt.excluded.updated_at,
    })
    session.execute(stmt, rows)


def _add_tags(session: Session, tags: dict[str, Counter[str]]) -> None:
    """Add to the tag counts of the grids: read under lock (the rows exist by now), write back."""
    changed = {grid: counts for grid, counts in tags.items() if any(counts.values())}
    if not changed:
        return
    stmt = (select(GridCounter.area_code, GridCounter.tags)
            .where(GridCounter.area_code.in_(sorted(changed))).with_for_update())
    rows = []
    for grid, current in session.execute(stmt):
        counts = Counter(current or {})
        counts.update(changed[grid])
        rows.append({"grid": grid, "new_tags": {tag: n for tag, n in sorted(counts.items()) if n}})
    table = GridCounter.__table__
    assert isinstance(table, Table)  # noqa: S101 - a mapped class's table
    session.execute(update(table).where(table.c.area_code == bindparam("grid"))
                    .values(tags=bindparam("new_tags")), rows)


def apply_deltas(session: Session, writer: BulkWriter, deltas: Deltas) -> None:
    """Add a batch's changes to the grid counters and the households' member counts."""
    rows = _grid_rows(deltas)
    for start in range(0, len(rows), 500):
        _add_counts(session, rows[start : start + 500])
        _add_tags(session, {str(row["area_code"]): deltas.tags[str(row["area_code"])]
                            for row in rows[start : start + 500]})
    members = [(delta, household) for household, delta in sorted(deltas.members.items()) if delta]
    writer.add(Household.__tablename__, "members", members)
