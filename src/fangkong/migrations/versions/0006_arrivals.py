"""arrivals: key areas, rules, checkpoints, arrivals, return quotas and bookings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:54:02.262436
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fangkong.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('arrival_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('within_days', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('requires_test', sa.Boolean(), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrival_rules')),
    sa.UniqueConstraint('risk_level', name=op.f('uq_arrival_rules_risk_level'))
    )
    op.create_table('key_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_areas'))
    )
    with op.batch_alter_table('key_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_areas_division_code'), ['division_code'], unique=False)

    op.create_table('checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('public_token', sa.String(length=43), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_checkpoints_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoints')),
    sa.UniqueConstraint('public_token', name=op.f('uq_checkpoints_public_token'))
    )
    with op.batch_alter_table('checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoints_area_code'), ['area_code'], unique=False)

    op.create_table('return_bookings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('district_code', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('origin_code', sa.String(length=12), nullable=False),
    sa.Column('destination_address', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_return_bookings_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_bookings')),
    sa.UniqueConstraint('reference', name=op.f('uq_return_bookings_reference'))
    )
    with op.batch_alter_table('return_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_return_bookings_area_code_day', ['area_code', 'day'], unique=False)
        batch_op.create_index('ix_return_bookings_id_number_day', ['id_number', 'day'], unique=False)

    op.create_table('return_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_return_quotas_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_quotas')),
    sa.UniqueConstraint('area_code', 'day', 'risk_level', name=op.f('uq_return_quotas_area_code_day_risk_level'))
    )
    op.create_table('arrivals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('group_code', sa.String(length=24), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('origin_code', sa.String(length=12), nullable=False),
    sa.Column('origin_risk', sa.String(length=8), nullable=False),
    sa.Column('transport', sa.String(length=50), nullable=False),
    sa.Column('arrived_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('temperature', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('destination_address', sa.String(length=200), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('rule_action', sa.String(length=24), nullable=False),
    sa.Column('booking_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('contact_due_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contacted_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contacted_by_id', sa.Integer(), nullable=True),
    sa.Column('contact_note', sa.Text(), nullable=False),
    sa.Column('confirmation_code', sa.String(length=16), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_arrivals_area_code_areas')),
    sa.ForeignKeyConstraint(['booking_id'], ['return_bookings.id'], name=op.f('fk_arrivals_booking_id_return_bookings')),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.id'], name=op.f('fk_arrivals_checkpoint_id_checkpoints')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_arrivals_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_arrivals_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrivals')),
    sa.UniqueConstraint('confirmation_code', name=op.f('uq_arrivals_confirmation_code'))
    )
    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.create_index('ix_arrivals_area_code_status', ['area_code', 'status'], unique=False)
        batch_op.create_index('ix_arrivals_checkpoint_id_arrived_at', ['checkpoint_id', 'arrived_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrivals_group_code'), ['group_code'], unique=False)
        batch_op.create_index('ix_arrivals_id_number_arrived_at', ['id_number', 'arrived_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.drop_index('ix_arrivals_id_number_arrived_at')
        batch_op.drop_index(batch_op.f('ix_arrivals_group_code'))
        batch_op.drop_index('ix_arrivals_checkpoint_id_arrived_at')
        batch_op.drop_index('ix_arrivals_area_code_status')

    op.drop_table('arrivals')
    op.drop_table('return_quotas')
    with op.batch_alter_table('return_bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_return_bookings_id_number_day')
        batch_op.drop_index('ix_return_bookings_area_code_day')

    op.drop_table('return_bookings')
    with op.batch_alter_table('checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoints_area_code'))

    op.drop_table('checkpoints')
    with op.batch_alter_table('key_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_areas_division_code'))

    op.drop_table('key_areas')
    op.drop_table('arrival_rules')
