"""screening: rounds, visits, member lines, follow-ups, household outcomes, coverage counters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 15:51:20.401885
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fangkong.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('screening_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_screening_rounds_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_rounds'))
    )
    with op.batch_alter_table('screening_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_rounds_area_code'), ['area_code'], unique=False)

    op.create_table('coverage_counters',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('visited', sa.Integer(), nullable=False),
    sa.Column('nobody_home', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('vacant', sa.Integer(), nullable=False),
    sa.Column('moved_away', sa.Integer(), nullable=False),
    sa.Column('persons_seen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_coverage_counters_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('round_id', 'area_code', name=op.f('pk_coverage_counters'))
    )
    op.create_table('coverage_daily',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_coverage_daily_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('round_id', 'area_code', 'day', 'visitor_id', name=op.f('pk_coverage_daily'))
    )
    op.create_table('round_households',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('persons_seen', sa.Integer(), nullable=False),
    sa.Column('last_visit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_visited_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_round_households_household_id_households')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_round_households_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('round_id', 'household_id', name=op.f('pk_round_households'))
    )
    with op.batch_alter_table('round_households', schema=None) as batch_op:
        batch_op.create_index('ix_round_households_round_id_area_code', ['round_id', 'area_code'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('visited_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=True),
    sa.Column('visitor_name', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_visits_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_round_id_area_code', ['round_id', 'area_code'], unique=False)
        batch_op.create_index('ix_visits_round_id_household_id', ['round_id', 'household_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('visit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('flagged_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('flagged_by_id', sa.Integer(), nullable=True),
    sa.Column('flagged_by_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_follow_ups_person_id_persons')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_follow_ups_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_area_code_status', ['area_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_person_id'), ['person_id'], unique=False)

    op.create_table('visit_members',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('away_where', sa.String(length=200), nullable=False),
    sa.Column('away_since', sa.Date(), nullable=True),
    sa.Column('temperature', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('key_area_travel', sa.Boolean(), nullable=False),
    sa.Column('case_contact', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_visit_members_person_id_persons')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_members_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_members'))
    )
    with op.batch_alter_table('visit_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_members_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_members_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_members_person_id'))

    op.drop_table('visit_members')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_person_id'))
        batch_op.drop_index('ix_follow_ups_area_code_status')

    op.drop_table('follow_ups')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_round_id_household_id')
        batch_op.drop_index('ix_visits_round_id_area_code')

    op.drop_table('visits')
    with op.batch_alter_table('round_households', schema=None) as batch_op:
        batch_op.drop_index('ix_round_households_round_id_area_code')

    op.drop_table('round_households')
    op.drop_table('coverage_daily')
    op.drop_table('coverage_counters')
    with op.batch_alter_table('screening_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_rounds_area_code'))

    op.drop_table('screening_rounds')
