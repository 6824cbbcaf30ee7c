"""Writing many rows fast, on the session's own connection and transaction.

PostgreSQL: new rows are streamed with `COPY` into their table; a row that another writer
inserted meanwhile fails it with `ConcurrentChange`, so the caller redoes the batch. Updates and
deletes stream their rows into a temporary staging table, then run one `UPDATE … FROM` (or
`DELETE … USING`).
SQLite: `executemany` of plain INSERT / UPDATE statements inside the write transaction (one
writer at a time, so the ids reserved from `max(id)` are ours).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import text
from sqlalchemy.orm import Session

from fangkong.errors import Conflict
from fangkong.i18n import N_

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite
SQLITE_CACHE_KIB = 131_072  # page cache of a connection that bulk-writes (SQLite's default: 2 MiB)
# S608 below: the statements are built from our own table and column names only (checked by
# `_identifiers`), never from input; every value travels as a parameter or through COPY.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class ConcurrentChange(Conflict):
    code = "registry.import_concurrent"

    @classmethod
    def default_message(cls) -> str:
        return N_("Someone changed the same records meanwhile; run the import again.")


def _identifiers(*names: str) -> None:
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not an identifier: {name!r}")


def _with_dates(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for index in at:
        if values[index] is not None:
            values[index] = date.fromisoformat(values[index])
    return tuple(values)


class BulkWriter:
    """Inserts, updates and deletes of many rows of one table, for one batch's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection = session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        raw = self.connection.connection.driver_connection
        assert raw is not None  # noqa: S101 - an open connection has its driver's
        self.raw: Any = raw
        if not self.postgresql:
            self.raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    def stamp(self, moment: datetime) -> object:
        """A timestamp as the engine takes it (SQLite: the text SQLAlchemy would store)."""
        return moment if self.postgresql else moment.astimezone(UTC).strftime(SQLITE_DATETIME)

    def day(self, value: date | None) -> object:
        """A date as the engine takes it (SQLite: ISO text)."""
        return value if self.postgresql or value is None else value.isoformat()

    def days(self, values: list[date | None]) -> list[object]:
        """Dates as the engine takes them (`day` of each)."""
        if self.postgresql:
            return list(values)
        return [value.isoformat() if value is not None else None for value in values]

    def fetch(
        self, table: str, columns: Sequence[str], *, key: str, values: Sequence[object],
        where: dict[str, object] | None = None, dates: Sequence[str] = (), lock: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The rows whose `key` is one of `values` (and whose `where` columns equal theirs), in
        one query: the values travel as one JSON text (SQLite) or one array (PostgreSQL).
        Date columns come back as dates on both engines. `lock`: the rows are locked for the
        transaction (PostgreSQL; SQLite's writer holds the whole database)."""
        if not values:
            return []
        where = where or {}
        _identifiers(table, key, *columns, *where)
        names = ", ".join(columns)
        params = list(where.values())
        if self.postgresql:
            tests = [f"{name} = %s" for name in where] + [f"{key} = ANY(%s)"]
            locking = " FOR UPDATE" if lock else ""
            with self.raw.cursor() as cursor:
                cursor.execute(f"SELECT {names} FROM {table} WHERE {' AND '.join(tests)}"  # noqa: S608
                               f"{locking}", [*params, list(values)])
                return list(cursor.fetchall())
        tests = [f"{name} = ?" for name in where]
        tests.append(f"{key} IN (SELECT value FROM json_each(?))")  # noqa: S608
        rows = self.raw.execute(f"SELECT {names} FROM {table} WHERE {' AND '.join(tests)}",  # noqa: S608
                                [*params, json.dumps(list(values))]).fetchall()
        at = [columns.index(name) for name in dates]
        return [_with_dates(row, at) for row in rows] if at else list(rows)

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """Ids for `count` new rows, from the table's sequence (PostgreSQL) or max(id)."""
        if count == 0:
            return []
        _identifiers(table)
        if self.postgresql:
            with self.raw.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                    "FROM generate_series(1, %s)", (table, count))
                return [int(row[0]) for row in cursor.fetchall()]
        last = self.connection.execute(text(f"SELECT max(id) FROM {table}")).scalar()  # noqa: S608
        start = int(last or 0) + 1
        return list(range(start, start + count))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Insert rows (each holding its id when `id` is a column). A row clashing with a
        stored one on a unique key raises ConcurrentChange: someone wrote it since it was
        looked for."""
        if not rows:
            return
        _identifiers(table, *columns)
        names = ", ".join(columns)
        if not self.postgresql:
            marks = ", ".join("?" * len(columns))
            try:
                self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                                     rows)
            except sqlite3.IntegrityError as error:
                raise ConcurrentChange() from error
            return
        try:  # straight into the table: a clash fails the COPY, and the batch is redone
            with self.raw.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except UniqueViolation as error:
            raise ConcurrentChange() from error

    def update(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]],
        *, key: str = "id",
    ) -> None:
        """Set `columns` of the rows whose `key` is each row's last value."""
        if not rows:
            return
        _identifiers(table, *columns, key)
        if not self.postgresql:
            sets = ", ".join(f"{name} = ?" for name in columns)
            self.raw.executemany(f"UPDATE {table} SET {sets} WHERE {key} = ?",  # noqa: S608
                                 rows)
            return
        stage = self._stage(table, [*columns, key], rows)
        sets = ", ".join(f"{name} = s.{name}" for name in columns)
        with self.raw.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {stage} AS s "  # noqa: S608
                           f"WHERE t.{key} = s.{key}")

    def execute_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        """One statement (written with `?` marks, and the same on both engines) run for each
        row."""
        if not rows:
            return
        if not self.postgresql:
            self.raw.executemany(statement, rows)
            return
        with self.raw.cursor() as cursor:
            cursor.executemany(statement.replace("?", "%s"), rows)

    def set_json(self, table: str, column: str, rows: Sequence[tuple[object, object]], *,
                 key: str) -> None:
        """Set a JSON column to each row's first value in the row whose `key` is its second
        (as SQLAlchemy's JSON type stores it: json.dumps text on SQLite)."""
        _identifiers(table, column, key)
        value = "%s::json" if self.postgresql else "?"
        self.execute_many(f"UPDATE {table} SET {column} = {value} WHERE {key} = ?",  # noqa: S608
                          [(json.dumps(data), where) for data, where in rows])

    def add(self, table: str, column: str, rows: Sequence[tuple[int, int]]) -> None:
        """Add each row's first value to `column` of the row whose id is its second."""
        if not rows:
            return
        _identifiers(table, column)
        if not self.postgresql:
            self.raw.executemany(
                f"UPDATE {table} SET {column} = {column} + ? WHERE id = ?", rows)  # noqa: S608
            return
        stage = self._stage(table, [column, "id"], rows)
        with self.raw.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS t SET {column} = t.{column} + s.{column} "  # noqa: S608
                           f"FROM {stage} AS s WHERE t.id = s.id")

    def delete(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> None:
        """Delete the rows matching each given tuple of `columns`."""
        rows = list(rows)
        if not rows:
            return
        _identifiers(table, *columns)
        if not self.postgresql:
            where = " AND ".join(f"{name} = ?" for name in columns)
            self.raw.executemany(f"DELETE FROM {table} WHERE {where}",  # noqa: S608
                                 rows)
            return
        stage = self._stage(table, columns, rows)
        where = " AND ".join(f"t.{name} = s.{name}" for name in columns)
        with self.raw.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} AS t USING {stage} AS s WHERE {where}")  # noqa: S608

    def _stage(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> str:
        """A temporary table shaped like `columns` of `table`, filled by COPY; dropped at commit."""
        stage = f"_stage_{table}"
        names = ", ".join(columns)
        with self.raw.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
                           f"SELECT {names} FROM {table} WITH NO DATA")
            with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return stage
