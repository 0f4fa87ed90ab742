"""reach: the WhatsApp content templates created through the Content API, by content hash

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'whatsapp_content',
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('sid', sa.String(length=40), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('content_hash', name=op.f('pk_whatsapp_content')),
    )


def downgrade() -> None:
    op.drop_table('whatsapp_content')
