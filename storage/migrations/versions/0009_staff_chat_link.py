"""staff: their own chat contact, and the pending one-time code that links it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 05:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', _ID, nullable=True))
        batch_op.add_column(sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('link_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('link_code_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_contact_id'), ['contact_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_staff_link_code_hash'), ['link_code_hash'])
        batch_op.create_foreign_key(batch_op.f('fk_staff_contact_id_contacts'), 'contacts', ['contact_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_contact_id_contacts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_staff_link_code_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_staff_contact_id'), type_='unique')
        batch_op.drop_column('link_code_expires_at')
        batch_op.drop_column('link_code_hash')
        batch_op.drop_column('linked_at')
        batch_op.drop_column('contact_id')
