"""testing: samples, members, results, positives

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:54:02.638764
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fangkong.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('samples',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tube_code', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('pooled', sa.Boolean(), nullable=False),
    sa.Column('collected_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('collected_where', sa.String(length=200), nullable=False),
    sa.Column('collected_by_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('result_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lab', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples')),
    sa.UniqueConstraint('tube_code', name=op.f('uq_samples_tube_code'))
    )
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_index('ix_samples_area_code_collected_at', ['area_code', 'collected_at'], unique=False)

    op.create_table('sample_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('reported_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lab', sa.String(length=100), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_results_sample_id_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_results'))
    )
    with op.batch_alter_table('sample_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_results_sample_id'), ['sample_id'], unique=False)

    op.create_table('positives',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('pooled', sa.Boolean(), nullable=False),
    sa.Column('raised_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_positives_person_id_persons')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_positives_sample_id_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positives'))
    )
    with op.batch_alter_table('positives', schema=None) as batch_op:
        batch_op.create_index('ix_positives_area_code_status', ['area_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_positives_person_id'), ['person_id'], unique=False)

    op.create_table('sample_members',
    sa.Column('sample_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('retest', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_sample_members_person_id_persons')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_members_sample_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'person_id', name=op.f('pk_sample_members'))
    )
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_members_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_members_person_id'))

    op.drop_table('sample_members')
    with op.batch_alter_table('positives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positives_person_id'))
        batch_op.drop_index('ix_positives_area_code_status')

    op.drop_table('positives')
    with op.batch_alter_table('sample_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_results_sample_id'))

    op.drop_table('sample_results')
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_index('ix_samples_area_code_collected_at')

    op.drop_table('samples')
