"""Alembic environment: batch mode on SQLite, the package's metadata as the target."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

import fangkong.models  # noqa: F401 - registers every module's tables on the metadata
from fangkong.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
