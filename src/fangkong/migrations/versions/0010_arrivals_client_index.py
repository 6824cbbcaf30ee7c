"""arrivals: index for the self-registration rate limit (client address, time)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arrivals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_arrivals_client_addr_created_at", ["client_addr", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("arrivals", schema=None) as batch_op:
        batch_op.drop_index("ix_arrivals_client_addr_created_at")
