"""security review: a session version per staff account (ends earlier tokens and sessions),
revoked admin sessions (logout), the text sent to the family beside a report event's internal note

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_message', sa.Text(), nullable=True))
    op.create_table(
        'revoked_sessions',
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_revoked_sessions')),
    )
    op.create_index(op.f('ix_revoked_sessions_expires_at'), 'revoked_sessions', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_revoked_sessions_expires_at'), table_name='revoked_sessions')
    op.drop_table('revoked_sessions')
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_column('family_message')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('session_version')
