"""Applying one batch of checked lab rows, in the caller's transaction, with a fixed number of
statements whatever the batch's size (no round trip per row):

1. the tubes and the persons' ID numbers are staged (COPY into a temporary table on PostgreSQL,
   `executemany` on SQLite) and their samples read in one join each (locked on PostgreSQL, so
   concurrent imports of the same tubes take turns);
2. the results those samples already have are read in one join: a row whose tube, time and lab
   are there with the same result is `unchanged`, with another result it is rejected;
3. the new history entries are written (COPY / executemany), the samples whose newest result
   is among them get it as their current one (one UPDATE … FROM a staged table / executemany);
4. positives, retests and the daily counters follow (`effects.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.registry.models import Person
from fangkong.testing.actions import BEFORE_COLLECTED
from fangkong.testing.codes import Result
from fangkong.testing.effects import (
    TurnedPositive,
    count_daily,
    do_positive_effects,
    result_counts,
)
from fangkong.testing.lab_rows import LabRow
from fangkong.testing.models import ResultEntry, Sample, SampleMember

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
    """What a batch did: per row `added`, `unchanged` or rejected (field → message id)."""

    results: dict[int, str] = field(default_factory=dict)
    rejected: dict[int, dict[str, str]] = field(default_factory=dict)
    positives: int = 0
    retests: int = 0

    def reject(self, row: int, name: str, message: str) -> None:
        self.rejected.setdefault(row, {})[name] = message

    def tally(self) -> Counter[str]:
        counts = Counter(self.results.values())
        counts["rejected"] = len(self.rejected)
        counts["positives"] = self.positives
        counts["retests"] = self.retests
        return counts


_STAMPS: dict[datetime, str] = {}


def _sqlite_value(value: object) -> object:
    """A value as SQLAlchemy stores it in SQLite (datetimes as naive UTC text, cached: a lab
    file repeats its times)."""
    if isinstance(value, datetime):
        text = _STAMPS.get(value)
        if text is None:
            if len(_STAMPS) > 100_000:
                _STAMPS.clear()
            text = _STAMPS[value] = value.astimezone(UTC).strftime(SQLITE_DATETIME)
        return text
    return value


class Staging:
    """Temporary tables of keys and rows for one transaction, filled in one go."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.postgresql = connection.dialect.name == "postgresql"
        self.raw: Any = connection.connection.driver_connection

    def fill(self, name: str, columns: Sequence[tuple[str, str]],
             rows: Sequence[Sequence[object]]) -> TableClause:
        """A temporary table `name` of `columns` (name, SQL type) holding `rows`, to join."""
        spec = ", ".join(f"{column_name} {kind}" for column_name, kind in columns)
        names = ", ".join(column_name for column_name, _ in columns)
        if self.postgresql:
            with self.raw.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"CREATE TEMP TABLE {name} ({spec}) ON COMMIT DROP")
                with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            self.raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({spec})")
            self.raw.execute(f"DELETE FROM {name}")  # noqa: S608 - our own table name
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})",  # noqa: S608
                                 [tuple(map(_sqlite_value, row)) for row in rows])
        return table(name, *(column(column_name) for column_name, _ in columns))

    def insert(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Append rows to a table: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgresql:
            with self.raw.cursor() as cursor, cursor.copy(
                    f"COPY {name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.raw.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})",  # noqa: S608
                             [tuple(map(_sqlite_value, row)) for row in rows])

    def set_current(self, rows: Sequence[tuple[str, datetime, str, int]]) -> None:
        """Each sample's current result, time and lab (the row's last value is its id)."""
        if not rows:
            return
        if not self.postgresql:
            self.raw.executemany("UPDATE samples SET result = ?, result_at = ?, lab = ? "
                                 "WHERE id = ?", [tuple(map(_sqlite_value, row)) for row in rows])
            return
        self.fill("_lab_current", (("result", "varchar(16)"), ("result_at", "timestamptz"),
                                   ("lab", "varchar(100)"), ("id", "bigint")), rows)
        with self.raw.cursor() as cursor:
            cursor.execute("UPDATE samples AS s SET result = c.result, result_at = c.result_at, "
                           "lab = c.lab FROM _lab_current AS c WHERE s.id = c.id")


_SAMPLE_COLUMNS = (Sample.id, Sample.tube_code, Sample.area_code, Sample.pooled, Sample.result,
                   Sample.result_at, Sample.collected_at)


def _by_tube(session: Session, staging: Staging, tubes: set[str]) -> dict[str, Found]:
    if not tubes:
        return {}
    stage = staging.fill("_lab_tubes", (("tube_code", "varchar(40)"),),
                         [(tube,) for tube in tubes])
    stmt = (select(*_SAMPLE_COLUMNS).join(stage, Sample.tube_code == stage.c.tube_code)
            .order_by(Sample.id))
    if staging.postgresql:
        stmt = stmt.with_for_update(of=Sample)
    return {row.tube_code: Found(*row) for row in session.execute(stmt)}


def _by_person(session: Session, staging: Staging,
               numbers: set[str]) -> dict[str, list[Found]]:
    """Every sample of the persons with these resident ID numbers, the latest taken first."""
    if not numbers:
        return {}
    stage = staging.fill("_lab_ids", (("id_number", "varchar(32)"),),
                         [(number,) for number in numbers])
    stmt = (select(Person.id_number, *_SAMPLE_COLUMNS)
            .join(SampleMember, SampleMember.person_id == Person.id)
            .join(Sample, Sample.id == SampleMember.sample_id)
            .join(stage, Person.id_number == stage.c.id_number)
            .where(Person.id_type == IdType.RESIDENT_ID.value)
            .order_by(Sample.collected_at.desc(), Sample.id.desc()))
    if staging.postgresql:
        stmt = stmt.with_for_update(of=Sample)
    found: dict[str, list[Found]] = {}
    for row in session.execute(stmt):
        found.setdefault(str(row[0]), []).append(Found(*row[1:]))
    return found


def _history(session: Session, staging: Staging,
             sample_ids: set[int]) -> dict[tuple[int, datetime, str], str]:
    """The results already recorded for these samples: (sample, time, lab) → result."""
    if not sample_ids:
        return {}
    stage = staging.fill("_lab_samples", (("sample_id", "bigint"),),
                         [(sample_id,) for sample_id in sample_ids])
    stmt = (select(ResultEntry.sample_id, ResultEntry.reported_at, ResultEntry.lab,
                   ResultEntry.result)
            .join(stage, ResultEntry.sample_id == stage.c.sample_id))
    return {(sample_id, at, lab): result for sample_id, at, lab, result in session.execute(stmt)}


# --- one batch ------------------------------------------------------------------------------


def apply_lab_rows(
    session: Session, *, rows: Sequence[LabRow], scope: str, batch_id: int | None,
    actor_id: int | None, zone: ZoneInfo, now: datetime,
) -> Outcome:
    """Record a batch of checked rows for the samples of the area `scope`."""
    outcome = Outcome()
    staging = Staging(session)
    tubes = _by_tube(session, staging, {row.tube_code for row in rows if row.tube_code})
    persons = _by_person(session, staging, {row.id_number for row in rows if row.id_number})
    matched = []
    for row in rows:
        found = _sample_of(row, tubes, persons, scope=scope, zone=zone, outcome=outcome)
        if found is not None:
            matched.append((row, found))
    known = _history(session, staging, {found.id for _, found in matched})
    new = _new_entries(matched, known, outcome)
    staging.insert(ResultEntry.__tablename__, ENTRY_COLUMNS, [
        (found.id, found.area_code, row.result, row.reported_at, row.lab, batch_id, actor_id,
         now) for row, found in new])
    turned = _set_current(staging, new)
    count_daily(session, result_counts(
        ((found.area_code, row.reported_at, row.result) for row, found in new), zone))
    outcome.positives, outcome.retests = do_positive_effects(session, turned=turned, zone=zone)
    return outcome


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
    for row, found in matched:
        key = (found.id, row.reported_at, row.lab)
        before = known.get(key)
        if before is None:
            known[key] = row.result
            new.append((row, found))
            outcome.results[row.row] = "added"
        elif before == row.result:
            outcome.results[row.row] = "unchanged"
        else:
            outcome.reject(row.row, "result", CONFLICT)
    return new


def _set_current(staging: Staging, new: Sequence[tuple[LabRow, Found]]) -> list[TurnedPositive]:
    """Give each sample its newest result when it is later than its current one; the samples
    that turn positive by it."""
    latest: dict[int, tuple[LabRow, Found]] = {}
    for row, found in new:
        current = latest.get(found.id)
        if current is None or row.reported_at >= current[0].reported_at:
            latest[found.id] = (row, found)
    updates: list[tuple[str, datetime, str, int]] = []
    turned: list[TurnedPositive] = []
    for row, found in latest.values():
        if found.result_at is not None and row.reported_at < found.result_at:
            continue
        updates.append((row.result, row.reported_at, row.lab, found.id))
        if row.result == Result.POSITIVE and found.result != Result.POSITIVE:
            turned.append(TurnedPositive(found.id, found.tube_code, found.pooled,
                                         row.reported_at, row.lab))
    staging.set_current(updates)
    return turned
