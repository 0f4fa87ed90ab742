"""web chat: what was sent to a web-chat user outside a reply, read by the page with
GET /api/chat/messages (the outbox delivers to the web channel)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'web_messages',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('contact_id', _ID, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('choices', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_web_messages_contact_id_contacts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_messages')),
    )
    op.create_index('ix_web_messages_contact', 'web_messages', ['contact_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_messages_contact', table_name='web_messages')
    op.drop_table('web_messages')
