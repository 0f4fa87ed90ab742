"""outbox: rows that opened a WhatsApp business-initiated conversation (the daily tier), and an
index for the claim (pending rows in priority order)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_conversation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_outbox_opened', ['channel', 'opened_conversation', 'sent_at'])
    op.create_index('ix_outbox_claim', 'outbox', ['priority', 'id'], postgresql_where=sa.text("status = 'pending'"),
                    sqlite_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_outbox_claim', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_opened')
        batch_op.drop_column('opened_conversation')
