"""Database plumbing: the declarative Base, engines for SQLite and PostgreSQL, sessions."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from fangkong.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")
"""Primary keys of large, append-heavy tables: 64-bit on PostgreSQL; SQLite's INTEGER (its
rowid, already 64-bit) so that autoincrement works."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's own hook


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL, foreign keys, a busy timeout; and the driver's own transaction handling off.

    pysqlite begins transactions lazily before DML only, which breaks SAVEPOINT (a savepoint
    opened first would commit on release). SQLAlchemy emits the BEGIN instead (`_sqlite_begin`).
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


WRITE_OPTION = "fangkong_write"


def _sqlite_begin(connection: Connection) -> None:
    """A unit of work meant to write begins IMMEDIATE: it takes SQLite's one write lock at the
    start (waiting on the busy timeout), so it never fails later on a snapshot made stale by
    another writer. Reads begin DEFERRED and, in WAL mode, never wait for writers."""
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(settings: Settings) -> Engine:
    """The engine for the configured URL; SQLite gets WAL, foreign keys and a busy timeout."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def write_gate_file(database: Path) -> Path:
    """The file beside an SQLite database whose exclusive `flock` is the turn to write: taken
    by the web server's write gate (`web.units.WriteGate`) and by long writers such as a
    whole-file import, around each write transaction."""
    return database.with_name(database.name + "-writegate")


@contextmanager
def write_turn(session: Session) -> Iterator[None]:
    """Hold the write gate of the session's SQLite file while the body runs (a transaction
    that begins and commits inside it); nothing on other engines or in memory.

    A long transaction holds SQLite's one write lock for seconds. The web server's write gate
    waits for this lock in a thread, so its event loop keeps serving; without it, the gate's
    unit would wait in SQLite's busy handler with the loop stopped."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    fd = os.open(write_gate_file(Path(str(url.database))), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # lets go of the lock


def make_session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions on the engine; `write=True` for units of work that change data (see above)."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session] | Engine) -> Iterator[Session]:
    """One unit of work at the edge (CLI command, job): commit on success, roll back on error.

    Given an engine, the session is a writing one (commands and jobs change data).
    """
    if isinstance(factory, Engine):
        factory = make_session_factory(factory, write=True)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def bump(
    session: Session, model: type[Base], *, keys: dict[str, Any], increments: dict[str, int]
) -> None:
    """Add to counter columns of one row, creating it at zero first: INSERT … ON CONFLICT.

    Atomic on both engines, so concurrent writers never lose an increment. The statement is
    built once per table, dialect and column names (counters are bumped on the busiest paths).
    """
    statement = _bump_statement(session.get_bind().dialect.name, model.__table__,
                                tuple(keys), tuple(increments))
    session.execute(statement, {**keys, **increments})


@lru_cache(maxsize=128)
def _bump_statement(dialect_name: str, table: Any, keys: tuple[str, ...],
                    increments: tuple[str, ...]) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)  # the columns are the parameters given at execution
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in increments},
    )
