"""contacts remember the NIK hash they proved

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:10:41.826279
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_nik_hash'), ['nik_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_nik_hash'))
        batch_op.drop_column('nik_hash')

