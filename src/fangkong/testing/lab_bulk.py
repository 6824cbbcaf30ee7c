"""Applying one batch of checked lab rows, in the caller's transaction, with a fixed number of
statements whatever the batch's size (no round trip per row):

1. the samples of the batch's tubes, and of its persons' ID numbers, are read in one query
   each, the keys passed as one array (`= ANY(%s)` on PostgreSQL, `IN json_each(?)` on
   SQLite), locked on PostgreSQL so that concurrent imports of the same tubes take turns;
2. the results those samples already have are read in one query: a row whose tube, time and
   lab are there with the same result is `unchanged`, with another result it is rejected;
3. the new history entries are written (COPY / executemany), the samples whose newest result
   is among them get it as their current one (one UPDATE … FROM a staged table / executemany);
4. positives, retests and the daily counters follow (`effects.py`).

The reads and writes go through the driver's own connection with plain tuples (no ORM rows,
no per-value type processing): a batch is 10,000 rows and every per-row step counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.testing.actions import BEFORE_COLLECTED
from fangkong.testing.codes import Result
from fangkong.testing.effects import (
    DailyCounts,
    TurnedPositive,
    count_daily,
    do_positive_effects,
)
from fangkong.testing.lab_rows import LabRow
from fangkong.testing.models import ResultEntry

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite
UNKNOWN_TUBE = N_("No sample with this tube number in your area.")
UNKNOWN_PERSON = N_("No sample of this person was taken in your area before the result time.")
NOT_IN_TUBE = N_("This person is not in this tube.")
CONFLICT = N_("Another result was recorded for this tube at this time by this lab.")
ENTRY_COLUMNS = ("sample_id", "area_code", "result", "reported_at", "lab", "batch_id",
                 "recorded_by_id", "recorded_at")


class Found(NamedTuple):
    """A sample as a row of a lab file finds it."""

    id: int
    tube_code: str
    area_code: str
    pooled: bool
    result: str
    result_at: datetime | None
    collected_at: datetime


@dataclass
class Outcome:
    """What a batch did: how many rows were `added` or `unchanged`, the rejected ones (row →
    field → message id), positives raised and persons marked for retesting."""

    added: int = 0
    unchanged: int = 0
    rejected: dict[int, dict[str, str]] = field(default_factory=dict)
    positives: int = 0
    retests: int = 0

    def reject(self, row: int, name: str, message: str) -> None:
        self.rejected.setdefault(row, {})[name] = message

    def tally(self) -> Counter[str]:
        return Counter({"added": self.added, "unchanged": self.unchanged,
                        "rejected": len(self.rejected), "positives": self.positives,
                        "retests": self.retests})


_STAMPS: dict[datetime, str] = {}
_MOMENTS: dict[str, datetime] = {}


def _sqlite_stamp(value: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text), cached: a lab file
    repeats its times."""
    text = _STAMPS.get(value)
    if text is None:
        if len(_STAMPS) > 100_000:
            _STAMPS.clear()
        text = _STAMPS[value] = value.astimezone(UTC).strftime(SQLITE_DATETIME)
    return text


def _sqlite_moment(text: str) -> datetime:
    """A datetime stored by SQLAlchemy in SQLite, read back as an aware UTC datetime."""
    moment = _MOMENTS.get(text)
    if moment is None:
        if len(_MOMENTS) > 100_000:
            _MOMENTS.clear()
        moment = _MOMENTS[text] = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return moment


def _as_is(value: datetime) -> object:
    return value


class Staging:
    """The batch's statements on the driver's connection, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.postgresql = connection.dialect.name == "postgresql"
        self.raw: Any = connection.connection.driver_connection
        self.stamp: Callable[[datetime], object] = _as_is if self.postgresql else _sqlite_stamp
        """A datetime as the driver takes it (the rows given to `insert` and `set_current`)."""

    def keys(self, expression: str, kind: str) -> str:
        """SQL for `expression` being one of the keys given as the statement's parameter: on
        PostgreSQL one text of comma-separated keys (tube numbers, ID numbers and ids hold no
        comma), split by the server, since a list parameter is dumped value by value."""
        if self.postgresql:
            return f"{expression} = ANY(string_to_array(%s, ',')::{kind}[])"
        return f"{expression} IN (SELECT value FROM json_each(?))"  # noqa: S608 - ours

    def fetch(self, sql: str, keys: Collection[str] | Collection[int]) -> list[tuple[Any, ...]]:
        """The rows of a query with one parameter, the keys (see `keys`)."""
        if self.postgresql:
            with self.raw.cursor() as cursor:  # planned for each batch: a plan kept from the
                # first batches would scan a history table that was nearly empty then
                cursor.execute(sql, (",".join(map(str, keys)),), prepare=False)
                return list(cursor.fetchall())
        return list(self.raw.execute(sql, (json.dumps(list(keys)),)).fetchall())

    def moment(self, value: Any) -> datetime:
        """A datetime column's value as the driver gives it, as an aware datetime."""
        return value if self.postgresql else _sqlite_moment(value)

    def fill(self, name: str, columns: Sequence[tuple[str, str]],
             rows: Sequence[Sequence[object]]) -> None:
        """A temporary table `name` of `columns` (name, SQL type) holding `rows` (PostgreSQL)."""
        spec = ", ".join(f"{column_name} {kind}" for column_name, kind in columns)
        with self.raw.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({spec}) ON COMMIT DROP")
        self.insert(name, [column_name for column_name, _ in columns], rows)

    def insert(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Append rows to a table: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgresql:
            with self.raw.cursor() as cursor, cursor.copy(
                    f"COPY {name} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
            return
        marks = ", ".join("?" * len(columns))
        self.raw.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})",  # noqa: S608
                             rows)

    def set_current(self, rows: Sequence[tuple[str, object, str, int]],
                    meanwhile: Callable[[], None] | None = None) -> None:
        """Each sample's current result, time and lab (the row's last value is its id).
        On PostgreSQL `meanwhile` is called as the UPDATE is sent (to start work in another
        thread while the server runs it)."""
        if not rows:
            return
        if not self.postgresql:
            self.raw.executemany("UPDATE samples SET result = ?, result_at = ?, lab = ? "
                                 "WHERE id = ?", rows)
            return
        self.fill("_lab_current", (("result", "varchar(16)"), ("result_at", "timestamptz"),
                                   ("lab", "varchar(100)"), ("id", "bigint")), rows)
        with self.raw.cursor() as cursor:
            if meanwhile is not None:
                meanwhile()
            cursor.execute("UPDATE samples AS s SET result = c.result, result_at = c.result_at, "
                           "lab = c.lab FROM _lab_current AS c WHERE s.id = c.id")


_SAMPLE = "s.id, s.tube_code, s.area_code, s.pooled, s.result, s.result_at, s.collected_at"


def _found(staging: Staging, row: Sequence[Any]) -> Found:
    """A sample's row as `Found` (PostgreSQL's types are those already)."""
    if staging.postgresql:
        return Found._make(row)
    sample_id, tube_code, area_code, pooled, result, result_at, collected_at = row
    return Found(sample_id, tube_code, area_code, bool(pooled), result,
                 None if result_at is None else _sqlite_moment(result_at),
                 _sqlite_moment(collected_at))


def _by_tube(staging: Staging, tubes: set[str]) -> dict[str, Found]:
    if not tubes:
        return {}
    sql = (f"SELECT {_SAMPLE} FROM samples AS s WHERE "  # noqa: S608 - our own SQL
           f"{staging.keys('s.tube_code', 'text')} ORDER BY s.id")
    if staging.postgresql:
        sql += " FOR UPDATE"
    return {row[1]: _found(staging, row) for row in staging.fetch(sql, tubes)}


def _by_person(staging: Staging, numbers: set[str]) -> dict[str, list[Found]]:
    """Every sample of the persons with these resident ID numbers, the latest taken first."""
    if not numbers:
        return {}
    sql = (f"SELECT p.id_number, {_SAMPLE} FROM persons AS p "  # noqa: S608 - our own SQL
           "JOIN sample_members AS m ON m.person_id = p.id JOIN samples AS s ON s.id = "
           f"m.sample_id WHERE p.id_type = '{IdType.RESIDENT_ID.value}' AND "
           f"{staging.keys('p.id_number', 'text')} ORDER BY s.collected_at DESC, s.id DESC")
    if staging.postgresql:
        sql += " FOR UPDATE OF s"
    found: dict[str, list[Found]] = {}
    for row in staging.fetch(sql, numbers):
        found.setdefault(str(row[0]), []).append(_found(staging, row[1:]))
    return found


def _history(staging: Staging, sample_ids: set[int]) -> dict[tuple[int, datetime, str], str]:
    """The results already recorded for these samples: (sample, time, lab) → result."""
    if not sample_ids:
        return {}
    sql = ("SELECT r.sample_id, r.reported_at, r.lab, r.result "  # noqa: S608 - our own SQL
           f"FROM sample_results AS r WHERE {staging.keys('r.sample_id', 'bigint')}")
    moment = staging.moment
    return {(sample_id, moment(at), lab): result
            for sample_id, at, lab, result in staging.fetch(sql, sample_ids)}


# --- one batch ------------------------------------------------------------------------------


def apply_lab_rows(
    session: Session, *, rows: Sequence[LabRow], scope: str, batch_id: int | None,
    actor_id: int | None, zone: ZoneInfo, now: datetime,
    meanwhile: Callable[[], None] | None = None,
) -> Outcome:
    """Record a batch of checked rows for the samples of the area `scope` (`meanwhile`: see
    `Staging.set_current`)."""
    outcome = Outcome()
    staging = Staging(session)
    tubes = _by_tube(staging, {row.tube_code for row in rows if row.tube_code})
    persons = _by_person(staging, {row.id_number for row in rows if row.id_number})
    matched = _match(rows, tubes, persons, scope=scope, zone=zone, outcome=outcome)
    known = _history(staging, {found.id for _, found in matched})
    new = _new_entries(matched, known, outcome)
    stamp, recorded = staging.stamp, staging.stamp(now)
    staging.insert(ResultEntry.__tablename__, ENTRY_COLUMNS, [
        (found.id, found.area_code, row.result, stamp(row.reported_at), row.lab, batch_id,
         actor_id, recorded) for row, found in new])
    turned = _set_current(staging, new, meanwhile)
    count_daily(session, _result_counts(new, zone))
    outcome.positives, outcome.retests = do_positive_effects(session, turned=turned, zone=zone)
    return outcome


def _match(
    rows: Sequence[LabRow], tubes: dict[str, Found], persons: dict[str, list[Found]], *,
    scope: str, zone: ZoneInfo, outcome: Outcome,
) -> list[tuple[LabRow, Found]]:
    """Each row with the sample it means; the rows that mean none are rejected. A row by tube
    alone, timed to the second, is matched here; the others by `_sample_of`."""
    matched = []
    for row in rows:
        if row.id_number is None and not row.dated:
            found = tubes.get(row.tube_code) if row.tube_code is not None else None
            if found is not None and found.area_code.startswith(scope) and (
                    row.reported_at >= found.collected_at):
                matched.append((row, found))
                continue
        found = _sample_of(row, tubes, persons, scope=scope, zone=zone, outcome=outcome)
        if found is not None:
            matched.append((row, found))
    return matched


def _after_collection(row: LabRow, found: Found, zone: ZoneInfo) -> bool:
    """The result came after the sample was taken (by day, when the file gives days alone)."""
    if row.dated:
        return found.collected_at.astimezone(zone).date() <= row.reported_at.astimezone(
            zone).date()
    return row.reported_at >= found.collected_at


def _sample_of(
    row: LabRow, tubes: dict[str, Found], persons: dict[str, list[Found]], *, scope: str,
    zone: ZoneInfo, outcome: Outcome,
) -> Found | None:
    """The sample a row means: its tube (with the person in it, when both are given), or the
    person's latest sample in the area taken before the result."""
    if row.tube_code is not None:
        found = tubes.get(row.tube_code)
        if found is None or not found.area_code.startswith(scope):
            outcome.reject(row.row, "tube_code", UNKNOWN_TUBE)
            return None
        if row.id_number is not None and all(
                sample.id != found.id for sample in persons.get(row.id_number, ())):
            outcome.reject(row.row, "id_number", NOT_IN_TUBE)
            return None
        if not _after_collection(row, found, zone):
            outcome.reject(row.row, "reported_at", BEFORE_COLLECTED)
            return None
        return found
    assert row.id_number is not None  # noqa: S101 - a checked row has a tube or a person
    candidates = [sample for sample in persons.get(row.id_number, ())
                  if sample.area_code.startswith(scope) and _after_collection(row, sample, zone)]
    if not candidates:
        outcome.reject(row.row, "id_number", UNKNOWN_PERSON)
        return None
    return candidates[0]


def _new_entries(
    matched: Sequence[tuple[LabRow, Found]], known: dict[tuple[int, datetime, str], str],
    outcome: Outcome,
) -> list[tuple[LabRow, Found]]:
    """The rows that add to a tube's history; the others are unchanged or contradict it."""
    new = []
    for pair in matched:
        row, found = pair
        key = (found.id, row.reported_at, row.lab)
        before = known.get(key)
        if before is None:
            known[key] = row.result
            new.append(pair)
        elif before == row.result:
            outcome.unchanged += 1
        else:
            outcome.reject(row.row, "result", CONFLICT)
    outcome.added = len(new)
    return new


def _set_current(staging: Staging, new: Sequence[tuple[LabRow, Found]],
                 meanwhile: Callable[[], None] | None) -> list[TurnedPositive]:
    """Give each sample its newest result when it is later than its current one; the samples
    that turn positive by it."""
    latest: dict[int, tuple[LabRow, Found]] = {}
    for pair in new:
        sample_id = pair[1].id
        current = latest.get(sample_id)
        if current is None or pair[0].reported_at >= current[0].reported_at:
            latest[sample_id] = pair
    updates: list[tuple[str, object, str, int]] = []
    stamp = staging.stamp
    turned: list[TurnedPositive] = []
    for row, found in latest.values():
        if found.result_at is not None and row.reported_at < found.result_at:
            continue
        updates.append((row.result, stamp(row.reported_at), row.lab, found.id))
        if row.result == Result.POSITIVE and found.result != Result.POSITIVE:
            turned.append(TurnedPositive(found.id, found.tube_code, found.pooled,
                                         row.reported_at, row.lab))
    staging.set_current(updates, meanwhile)
    return turned


def _result_counts(new: Sequence[tuple[LabRow, Found]], zone: ZoneInfo) -> DailyCounts:
    """`samples.result.<result>` by area and local day of the new history entries (each
    distinct time turned into its local day once)."""
    by_time = Counter((found.area_code, row.reported_at, row.result) for row, found in new)
    days: dict[datetime, date] = {}
    counts: DailyCounts = Counter()
    for (area_code, reported_at, result), count in by_time.items():
        day = days.get(reported_at)
        if day is None:
            day = days[reported_at] = reported_at.astimezone(zone).date()
        counts[(area_code, day, f"samples.result.{result}")] += count
    return counts
