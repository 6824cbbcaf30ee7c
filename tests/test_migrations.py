"""Migrations: an empty database reaches the heads on both engines, the models agree with it,
every head steps down and up again, and the audit log stays append-only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, delete, make_url, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import fangkong.models  # noqa: F401 - every module's tables on the metadata
from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import AuditEntry
from fangkong.db import Base, make_engine, utcnow
from fangkong.migrations import alembic_config, downgrade, upgrade
from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.testing.models import SAMPLES_FILLFACTOR


def fresh_sqlite(folder: Path) -> Iterator[Engine]:
    engine = make_engine(Settings(database_url=f"sqlite:///{folder / 'empty.db'}"))
    yield engine
    engine.dispose()


def fresh_postgresql(server_url: str) -> Iterator[Engine]:
    """A new, empty database on the test server, dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"fangkong_migrations_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield from fresh_sqlite(tmp_path)
    else:
        yield from fresh_postgresql(request.getfixturevalue("pg_url"))


@pytest.fixture
def migrated(empty_engine: Engine) -> Engine:
    upgrade(empty_engine)
    return empty_engine


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def describe(item: object) -> str:
    """One line per difference: the operation and the names it touches, not whole tables."""
    if isinstance(item, list):
        return "; ".join(describe(part) for part in item)
    assert isinstance(item, tuple)
    names = [getattr(part, "name", None) or str(part) for part in item[1:4] if part is not None]
    return " ".join([str(item[0]), *names])


def assert_models_match(engine: Engine) -> None:
    diff = schema_diff(engine)
    assert diff == [], "models and migrations disagree:\n" + "\n".join(map(describe, diff))


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def script_heads(engine: Engine) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def test_empty_database_upgrades_to_heads_that_match_the_models(migrated: Engine) -> None:
    assert current_heads(migrated) == script_heads(migrated)
    assert_models_match(migrated)


def test_each_head_steps_down_one_revision_and_up_again(migrated: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(migrated))
    for head in script.get_heads():
        revision = script.get_revision(head)
        assert revision is not None
        below = revision.down_revision
        target = "base" if below is None else below if isinstance(below, str) else below[0]
        downgrade(migrated, target)
        assert head not in current_heads(migrated)
        upgrade(migrated)
        assert current_heads(migrated) == script_heads(migrated)
    assert_models_match(migrated)


def test_every_revision_downgrades_to_base_and_back(migrated: Engine) -> None:
    downgrade(migrated, "base")
    assert current_heads(migrated) == set()
    upgrade(migrated)
    assert_models_match(migrated)


def add_audit_entry(engine: Engine, *, age_days: int = 0) -> int:
    with Session(engine) as session:
        entry_id = do_audit(session, actor=SYSTEM, action=AuditAction.VIEW, resource="test",
                            record_id=1, area_code="2201", detail={"why": "migration test"},
                            at=utcnow() - timedelta(days=age_days))
        session.commit()
        return entry_id


def audit_row_count(engine: Engine, entry_id: int) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(AuditEntry.id).where(AuditEntry.id == entry_id))
                   .all())


def test_audit_log_refuses_updates(migrated: Engine) -> None:
    entry_id = add_audit_entry(migrated)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as connection:
        connection.execute(
            update(AuditEntry).where(AuditEntry.id == entry_id).values(action="delete")
        )
    old_id = add_audit_entry(migrated, age_days=400)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as connection:
        connection.execute(update(AuditEntry).where(AuditEntry.id == old_id).values(detail={}))
    with Session(migrated) as session:
        assert session.get_one(AuditEntry, entry_id).action == "view"


@pytest.mark.parametrize("age_days", [0, 179])
def test_audit_log_keeps_entries_younger_than_180_days(migrated: Engine, age_days: int) -> None:
    entry_id = add_audit_entry(migrated, age_days=age_days)
    with pytest.raises(DBAPIError, match="180 days"), migrated.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.id == entry_id))
    assert audit_row_count(migrated, entry_id) == 1


def test_audit_log_entries_older_than_180_days_can_be_deleted(migrated: Engine) -> None:
    old_id = add_audit_entry(migrated, age_days=181)
    young_id = add_audit_entry(migrated)
    with migrated.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.id == old_id))
    assert audit_row_count(migrated, old_id) == 0
    assert audit_row_count(migrated, young_id) == 1


@pytest.fixture
def migrated_postgresql(pg_url: str) -> Iterator[Engine]:
    for engine in fresh_postgresql(pg_url):
        upgrade(engine)
        yield engine


def test_samples_leave_room_for_the_result_on_postgresql(migrated_postgresql: Engine) -> None:
    """The result's update fits beside the tube's first version (see testing.models); SQLite
    has no such setting."""
    with migrated_postgresql.connect() as connection:
        options = connection.execute(text(
            "SELECT reloptions FROM pg_class WHERE relname = 'samples'")).scalar_one()
    assert options == [f"fillfactor={SAMPLES_FILLFACTOR}"]
