"""testing: samples' pages filled to half on PostgreSQL (room for the result's update in place)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Pages written from now on keep the room; existing ones get it when the table is next
    # rewritten (VACUUM FULL or CLUSTER), which an upgrade should not do unasked.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE samples SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE samples RESET (fillfactor)")
