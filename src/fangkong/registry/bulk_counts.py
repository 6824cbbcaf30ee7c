"""The counters a bulk batch changes, applied as increments in a few statements.

`counting.refresh_counters` recounts whole grids, which costs the grid's size on every batch:
a million-row file not sorted by grid would recount every grid a hundred times. A batch knows
exactly what it changed, so it adds that, in the batch's own transaction: persons and
households per grid (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, one executemany),
the tag counts of the grids (read under lock, written back), and the member counts of the
stored households (new ones are written with theirs). The tests check the result against
`refresh_counters`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

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


COUNTS = GridCounter.__tablename__
ADD_COUNTS = (
    f"INSERT INTO {COUNTS} (area_code, households, persons, tags, updated_at) "  # noqa: S608
    "VALUES (?, ?, ?, '{}', ?) ON CONFLICT (area_code) DO UPDATE SET "
    f"households = {COUNTS}.households + excluded.households, "
    f"persons = {COUNTS}.persons + excluded.persons, updated_at = excluded.updated_at")


def _add_counts(writer: BulkWriter, deltas: Deltas, grids: list[str]) -> None:
    """Add to households and persons of each grid, creating the grid's row at first (one
    statement for all grids)."""
    stamp = writer.stamp(utcnow())
    writer.execute_many(ADD_COUNTS, [
        (grid, deltas.households[grid], deltas.persons[grid], stamp) for grid in grids])


def _add_tags(writer: BulkWriter, tags: dict[str, Counter[str]]) -> None:
    """Add to the tag counts of the grids: read under lock (the rows exist by now), write back."""
    changed = {grid: counts for grid, counts in tags.items() if any(counts.values())}
    if not changed:
        return
    rows = []
    for grid, current in writer.fetch(COUNTS, ("area_code", "tags"), key="area_code",
                                      values=sorted(changed), lock=True):
        counts = Counter(json.loads(current) if isinstance(current, str) else current or {})
        counts.update(changed[grid])
        rows.append(({tag: n for tag, n in sorted(counts.items()) if n}, grid))
    writer.set_json(COUNTS, "tags", rows, key="area_code")


def apply_deltas(writer: BulkWriter, deltas: Deltas) -> None:
    """Add a batch's changes to the grid counters and the households' member counts."""
    grids = sorted(set(deltas.persons) | set(deltas.households) | set(deltas.tags))
    _add_counts(writer, deltas, grids)
    _add_tags(writer, {grid: deltas.tags[grid] for grid in grids})
    members = [(delta, household) for household, delta in sorted(deltas.members.items()) if delta]
    writer.add(Household.__tablename__, "members", members)
