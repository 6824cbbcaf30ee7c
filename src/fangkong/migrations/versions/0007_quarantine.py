"""quarantine: sites, rooms, quarantines, extensions, checks, alerts, life support

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:54:02.488842
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fangkong.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('quarantine_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('staff', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_quarantine_sites_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_sites'))
    )
    with op.batch_alter_table('quarantine_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_sites_area_code'), ['area_code'], unique=False)

    op.create_table('quarantine_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('occupants', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['quarantine_sites.id'], name=op.f('fk_quarantine_rooms_site_id_quarantine_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_rooms')),
    sa.UniqueConstraint('site_id', 'number', name=op.f('uq_quarantine_rooms_site_id_number'))
    )
    op.create_table('quarantines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('home_address', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ordered_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_by_name', sa.String(length=100), nullable=False),
    sa.Column('ordered_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('order_note', sa.Text(), nullable=False),
    sa.Column('ended_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('hospital', sa.String(length=100), nullable=False),
    sa.Column('check_token_hash', sa.String(length=64), nullable=True),
    sa.Column('check_token_revoked_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_quarantines_area_code_areas')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_quarantines_person_id_persons')),
    sa.ForeignKeyConstraint(['room_id'], ['quarantine_rooms.id'], name=op.f('fk_quarantines_room_id_quarantine_rooms')),
    sa.ForeignKeyConstraint(['site_id'], ['quarantine_sites.id'], name=op.f('fk_quarantines_site_id_quarantine_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantines')),
    sa.UniqueConstraint('check_token_hash', name=op.f('uq_quarantines_check_token_hash'))
    )
    with op.batch_alter_table('quarantines', schema=None) as batch_op:
        batch_op.create_index('ix_quarantines_area_code_status', ['area_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantines_person_id'), ['person_id'], unique=False)

    op.create_table('health_checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('window', sa.Integer(), nullable=False),
    sa.Column('checked_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('temperature', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('by', sa.String(length=8), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['quarantine_id'], ['quarantines.id'], name=op.f('fk_health_checks_quarantine_id_quarantines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_checks'))
    )
    with op.batch_alter_table('health_checks', schema=None) as batch_op:
        batch_op.create_index('ix_health_checks_quarantine_id_day', ['quarantine_id', 'day'], unique=False)

    op.create_table('quarantine_alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('raised_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('acknowledged_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_quarantine_alerts_person_id_persons')),
    sa.ForeignKeyConstraint(['quarantine_id'], ['quarantines.id'], name=op.f('fk_quarantine_alerts_quarantine_id_quarantines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_alerts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_quarantine_alerts_dedupe_key'))
    )
    with op.batch_alter_table('quarantine_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_quarantine_alerts_area_code_status', ['area_code', 'status'], unique=False)

    op.create_table('quarantine_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quarantine_id'], ['quarantines.id'], name=op.f('fk_quarantine_extensions_quarantine_id_quarantines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_extensions'))
    )
    with op.batch_alter_table('quarantine_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_extensions_quarantine_id'), ['quarantine_id'], unique=False)

    op.create_table('support_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=100), nullable=False),
    sa.Column('at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_support_notes_person_id_persons')),
    sa.ForeignKeyConstraint(['quarantine_id'], ['quarantines.id'], name=op.f('fk_support_notes_quarantine_id_quarantines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_notes'))
    )
    with op.batch_alter_table('support_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_notes_person_id'), ['person_id'], unique=False)

    op.create_table('support_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quarantine_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('due_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assignee_name', sa.String(length=100), nullable=False),
    sa.Column('assigned_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_support_requests_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_support_requests_person_id_persons')),
    sa.ForeignKeyConstraint(['quarantine_id'], ['quarantines.id'], name=op.f('fk_support_requests_quarantine_id_quarantines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index('ix_support_requests_area_code_status', ['area_code', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_support_requests_area_code_status')

    op.drop_table('support_requests')
    with op.batch_alter_table('support_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_notes_person_id'))

    op.drop_table('support_notes')
    with op.batch_alter_table('quarantine_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_extensions_quarantine_id'))

    op.drop_table('quarantine_extensions')
    with op.batch_alter_table('quarantine_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantine_alerts_area_code_status')

    op.drop_table('quarantine_alerts')
    with op.batch_alter_table('health_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_health_checks_quarantine_id_day')

    op.drop_table('health_checks')
    with op.batch_alter_table('quarantines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantines_person_id'))
        batch_op.drop_index('ix_quarantines_area_code_status')

    op.drop_table('quarantines')
    op.drop_table('quarantine_rooms')
    with op.batch_alter_table('quarantine_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_sites_area_code'))

    op.drop_table('quarantine_sites')
