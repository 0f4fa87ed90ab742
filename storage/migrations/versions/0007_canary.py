"""broadcast canary

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 02:58:07.370277
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canary_size', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('canary_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('canary_checked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('paused_reason', sa.String(length=200), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('canary_checked')
        batch_op.drop_column('canary_until')
        batch_op.drop_column('canary_size')

