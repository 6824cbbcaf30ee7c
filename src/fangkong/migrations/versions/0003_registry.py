"""registry: households, persons, tags, moves, merges, imports, counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:51:16.280965
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fangkong.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', fangkong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index('ix_import_batches_area_code_started_at', ['area_code', 'started_at'], unique=False)

    op.create_table('import_rejections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_import_rejections_batch_id_import_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_rejections'))
    )
    with op.batch_alter_table('import_rejections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_rejections_batch_id'), ['batch_id'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('head_name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_households_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('code', name=op.f('uq_households_code'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_area_code_address', ['area_code', 'address'], unique=False)

    op.create_table('registry_counters',
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_registry_counters_area_code_areas')),
    sa.PrimaryKeyConstraint('area_code', name=op.f('pk_registry_counters'))
    )
    op.create_table('column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_column_mappings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mappings')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_column_mappings_user_id_kind'))
    )
    op.create_table('persons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('residence', sa.String(length=16), nullable=False),
    sa.Column('occupation', sa.String(length=100), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_persons_area_code_areas')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_persons_household_id_households'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['persons.id'], name=op.f('fk_persons_merged_into_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('id_type', 'id_number', name=op.f('uq_persons_id_type_id_number'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_area_code_status', ['area_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_persons_name_birth_date', ['name', 'birth_date'], unique=False)

    op.create_table('person_merges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kept_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merged_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['kept_id'], ['persons.id'], name=op.f('fk_person_merges_kept_id_persons')),
    sa.ForeignKeyConstraint(['merged_id'], ['persons.id'], name=op.f('fk_person_merges_merged_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_merges'))
    )
    with op.batch_alter_table('person_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_merges_kept_id'), ['kept_id'], unique=False)

    op.create_table('person_moves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('to_household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('from_area_code', sa.String(length=32), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_moves_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_moves'))
    )
    with op.batch_alter_table('person_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_moves_person_id'), ['person_id'], unique=False)

    op.create_table('person_tags',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_tags_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'tag', name=op.f('pk_person_tags'))
    )
    with op.batch_alter_table('person_tags', schema=None) as batch_op:
        batch_op.create_index('ix_person_tags_area_code_tag', ['area_code', 'tag'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('person_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_person_tags_area_code_tag')

    op.drop_table('person_tags')
    with op.batch_alter_table('person_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_moves_person_id'))

    op.drop_table('person_moves')
    with op.batch_alter_table('person_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_merges_kept_id'))

    op.drop_table('person_merges')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_name_birth_date')
        batch_op.drop_index(batch_op.f('ix_persons_household_id'))
        batch_op.drop_index('ix_persons_area_code_status')

    op.drop_table('persons')
    op.drop_table('column_mappings')
    op.drop_table('registry_counters')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_area_code_address')

    op.drop_table('households')
    with op.batch_alter_table('import_rejections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_rejections_batch_id'))

    op.drop_table('import_rejections')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_import_batches_area_code_started_at')

    op.drop_table('import_batches')
