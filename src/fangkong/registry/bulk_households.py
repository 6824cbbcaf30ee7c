"""The bulk upsert's households, and what a batch reports (see `bulk`).

A household is found by its 户编号 when the sheet gives one, else by its grid and address;
new ones get the code given, or the grid's next `<grid>-NNNNN`. One outside the caller's scope,
or in another grid than its rows say, is refused and its rows rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.i18n import N_
from fangkong.registry.actions import next_household_code
from fangkong.registry.bulk_counts import Deltas, apply_deltas
from fangkong.registry.bulk_writer import BulkWriter
from fangkong.registry.codes import HouseholdKind
from fangkong.registry.importer_rows import HouseholdIn
from fangkong.registry.models import Household

CHUNK = 5_000  # values in one IN (…): under SQLite's limit of 32,766 parameters
ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"
HOUSEHOLD_INSERT = ("id", "code", "area_code", "address", "kind", "head_name", "phone",
                    "members", "notes", "created_at", "updated_at")
HOUSEHOLD_UPDATE = ("address", "kind", "head_name", "phone", "notes", "updated_at")
OUTSIDE_HOUSEHOLD = N_("This household number belongs to a household outside your area.")
OTHER_GRID = N_("This household is registered in another grid.")
REPEATED_HOUSEHOLD = N_("This household appears in an earlier row of the file.")

Key = tuple[Any, ...]
Stored = Any  # a stored row as fetched (an SQLAlchemy Row of the selected columns)


@dataclass
class BatchOutcome:
    """What one batch did: each row's result, the rejected rows' reasons, the touched grids,
    and what to add to the counters."""

    results: dict[int, str] = field(default_factory=dict)
    rejected: dict[int, dict[str, str]] = field(default_factory=dict)
    households_added: int = 0
    households_updated: int = 0
    grids: set[str] = field(default_factory=set)
    deltas: Deltas = field(default_factory=Deltas)

    def reject(self, row: int, name: str, message: str) -> None:
        self.rejected.setdefault(row, {})[name] = message

    def tally(self) -> dict[str, int]:
        counts = {ADDED: 0, UPDATED: 0, UNCHANGED: 0}
        for status in self.results.values():
            counts[status] += 1
        return {**counts, "rejected": len(self.rejected),
                "households_added": self.households_added,
                "households_updated": self.households_updated}


@dataclass(slots=True)
class Home:
    """A household as the batch's rows describe it, then as stored."""

    code: str | None
    grid: str
    address: str | None
    head_name: str | None = None
    phone: str | None = None
    kind: str | None = None
    notes: str | None = None
    rows: list[int] = field(default_factory=list)
    id: int | None = None
    refused: str = ""


def household_key(code: str | None, grid: str, address: str | None) -> Key:
    return ("c", code) if code else ("a", grid, address)


# Households ---------------------------------------------------------------------------------


class StoredHome(NamedTuple):
    id: int
    code: str
    area_code: str
    address: str
    kind: str
    head_name: str
    phone: str
    notes: str


def _fetch_households(
    session: Session, writer: BulkWriter, homes: Iterable[Home]
) -> dict[Key, StoredHome]:
    """The stored households by key: by code, or by grid and address."""
    found: dict[Key, StoredHome] = {}
    codes = sorted({home.code for home in homes if home.code})
    for row in writer.fetch(Household.__tablename__, StoredHome._fields, key="code",
                            values=codes):
        found["c", row[1]] = StoredHome._make(row)
    by_grid: dict[str, set[str]] = {}
    for home in homes:
        if not home.code and home.address is not None:
            by_grid.setdefault(home.grid, set()).add(home.address)
    columns = [Household.__table__.c[name] for name in StoredHome._fields]
    for grid, addresses in by_grid.items():
        for chunk in chunks(sorted(addresses)):
            stmt = select(*columns).where(Household.area_code == grid,
                                          Household.address.in_(chunk)).order_by(Household.id)
            for row in session.connection().execute(stmt):
                found.setdefault(("a", grid, row.address), StoredHome._make(row))
    return found


def _home_values(home: Home, old: Stored | None) -> tuple[object, ...]:
    """(address, kind, head_name, phone, notes): the stored ones where the rows gave none."""
    if old is None:
        return (home.address or "", home.kind or HouseholdKind.FAMILY.value,
                home.head_name or "", home.phone or "", home.notes or "")
    return tuple(old_value if new is None else new for new, old_value in zip(
        (home.address, home.kind, home.head_name, home.phone, home.notes),
        (old.address, old.kind, old.head_name, old.phone, old.notes), strict=True))


class _Codes:
    """New household codes of each grid: `<grid>-00001` on from the grid's highest one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def new(self, grid: str) -> str:
        if grid not in self.next:
            first = next_household_code(self.session, grid)
            self.next[grid] = int(first.rsplit("-", 1)[1])
        number = self.next[grid]
        self.next[grid] = number + 1
        return f"{grid}-{number:05d}"


@dataclass
class HomePlan:
    """The households of a batch once found: results by key, and the rows still to write."""

    results: dict[Key, str] = field(default_factory=dict)
    new: dict[int, tuple[object, ...]] = field(default_factory=dict)
    changed: list[tuple[object, ...]] = field(default_factory=list)


def resolve_homes(
    session: Session, writer: BulkWriter, homes: dict[Key, Home], *, scope: str, now: datetime,
    outcome: BatchOutcome,
) -> HomePlan:
    """Find each household, or give it an id (and a code) to be created; refuse those outside
    the scope or in another grid. Nothing is written yet (`write_homes`)."""
    stored = _fetch_households(session, writer, homes.values())
    plan, new, stamp = HomePlan(), [], writer.stamp(now)
    for key, home in homes.items():
        old = stored.get(key)
        if old is None:
            new.append(home)
            plan.results[key] = ADDED
        elif not old.area_code.startswith(scope):
            home.refused = OUTSIDE_HOUSEHOLD
        elif old.area_code != home.grid:
            home.refused = OTHER_GRID
        else:
            home.id, values = old.id, _home_values(home, old)
            unchanged = values == (old.address, old.kind, old.head_name, old.phone, old.notes)
            plan.results[key] = UNCHANGED if unchanged else UPDATED
            if not unchanged:
                plan.changed.append((*values, stamp, old.id))
                outcome.grids.add(home.grid)
    codes = _Codes(session)
    for home, new_id in zip(new, writer.reserve_ids(Household.__tablename__, len(new)),
                            strict=True):
        home.id, home.code = new_id, home.code or codes.new(home.grid)
        plan.new[new_id] = (new_id, home.code, home.grid, *_home_values(home, None)[:4], 0,
                            home.notes or "", stamp, stamp)
        outcome.grids.add(home.grid)
        outcome.deltas.households[home.grid] += 1
    outcome.households_added += len(plan.new)
    outcome.households_updated += len(plan.changed)
    return plan


def write_homes(writer: BulkWriter, plan: HomePlan, members: Counter[int]) -> None:
    """Create the new households with their member counts (taken out of `members`, which then
    holds the changes of the stored ones) and update the changed ones."""
    rows = [(*row[:7], members.pop(home_id, 0), *row[8:]) for home_id, row in plan.new.items()]
    writer.insert(Household.__tablename__, HOUSEHOLD_INSERT, rows)
    writer.update(Household.__tablename__, HOUSEHOLD_UPDATE, plan.changed)


@dataclass
class Groups:
    """A batch's rows grouped before the database is asked: the households they name, the
    persons in them (for a person sheet), the rows rejected as repeats, and the natural keys
    seen (a repeat of a key seen before in the file is rejected)."""

    homes: dict[Key, Home] = field(default_factory=dict)
    kept: list[tuple[Any, Home]] = field(default_factory=list)
    rejected: dict[int, dict[str, str]] = field(default_factory=dict)


def group_households(households: Sequence[HouseholdIn], seen: set[object]) -> Groups:
    """Each row of a household sheet one household (by 户编号, else grid and address); a
    household met before in the file is rejected. The keys are added to `seen`."""
    groups = Groups()
    for item in households:
        key = household_key(item.code, item.grid, item.address)
        if key in seen:
            groups.rejected[item.row] = {"household_code": REPEATED_HOUSEHOLD}
            continue
        seen.add(key)
        groups.homes[key] = Home(item.code, item.grid, item.address, item.head_name,
                                 item.phone, item.kind, item.notes, [item.row])
    return groups


def upsert_household_groups(
    session: Session, *, scope: str, groups: Groups, now: datetime | None = None
) -> BatchOutcome:
    """Find, create or update the households of a household sheet's batch."""
    outcome, now = BatchOutcome(rejected=dict(groups.rejected)), now or utcnow()
    writer = BulkWriter(session)
    plan = resolve_homes(session, writer, groups.homes, scope=scope, now=now, outcome=outcome)
    write_homes(writer, plan, outcome.deltas.members)
    for key, home in groups.homes.items():
        if home.refused:
            outcome.reject(home.rows[0], "household_code", home.refused)
        else:
            outcome.results[home.rows[0]] = plan.results[key]
    apply_deltas(writer, outcome.deltas)
    return outcome


def upsert_households(
    session: Session, *, scope: str, households: Sequence[HouseholdIn],
    seen: set[object] | None = None, now: datetime | None = None,
) -> BatchOutcome:
    """Households of a household sheet, each row one household (by 户编号, else address);
    `seen` holds the keys of the file's earlier rows and gains this batch's."""
    groups = group_households(households, set() if seen is None else seen)
    return upsert_household_groups(session, scope=scope, groups=groups, now=now)


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
