"""helpdesk: tickets (one open per contact), their transcript and events, canned replies; the
contact's open ticket, read with every message

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_ticket_id', _ID, nullable=True))
        batch_op.add_column(sa.Column('rate_ticket_id', _ID, nullable=True))
    op.create_table(
        'tickets',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('contact_id', _ID, nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('topic', sa.String(length=16), nullable=False),
        sa.Column('report_id', _ID, nullable=True),
        sa.Column('registry_id', _ID, nullable=True),
        sa.Column('kecamatan_code', sa.String(length=16), nullable=True),
        sa.Column('desa_code', sa.String(length=16), nullable=True),
        sa.Column('assignee_id', _ID, nullable=True),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=80), nullable=True),
        sa.Column('opened_at', _TS, nullable=False),
        sa.Column('waiting_since', _TS, nullable=True),
        sa.Column('last_activity_at', _TS, nullable=False),
        sa.Column('last_inbound_at', _TS, nullable=True),
        sa.Column('first_reply_at', _TS, nullable=True),
        sa.Column('closed_at', _TS, nullable=True),
        sa.Column('closed_by', sa.String(length=80), nullable=True),
        sa.Column('acknowledged_at', _TS, nullable=True),
        sa.Column('away_notice_on', sa.Date(), nullable=True),
        sa.Column('escalated_at', _TS, nullable=True),
        sa.Column('satisfaction', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_tickets_contact_id_contacts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_tickets_report_id_reports'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['registry_id'], ['registry.id'], name=op.f('fk_tickets_registry_id_registry'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], name=op.f('fk_tickets_assignee_id_staff'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    )
    op.create_index(op.f('ix_tickets_contact_id'), 'tickets', ['contact_id'])
    op.create_index(op.f('ix_tickets_assignee_id'), 'tickets', ['assignee_id'])
    op.create_index(op.f('ix_tickets_opened_at'), 'tickets', ['opened_at'])
    op.create_index('ix_tickets_status_area', 'tickets', ['status', 'kecamatan_code', 'desa_code'])
    op.create_index('uq_tickets_open_contact', 'tickets', ['contact_id'], unique=True,
                    postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
    op.create_table(
        'ticket_messages',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('ticket_id', _ID, nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('media_key', sa.String(length=120), nullable=True),
        sa.Column('media_type', sa.String(length=40), nullable=True),
        sa.Column('staff_id', _ID, nullable=True),
        sa.Column('delivery', sa.String(length=16), nullable=True),
        sa.Column('at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_ticket_messages_staff_id_staff'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages')),
    )
    op.create_index(op.f('ix_ticket_messages_ticket_id'), 'ticket_messages', ['ticket_id'])
    op.create_table(
        'ticket_events',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('ticket_id', _ID, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events')),
    )
    op.create_index(op.f('ix_ticket_events_ticket_id'), 'ticket_events', ['ticket_id'])
    op.create_table(
        'canned_replies',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies')),
    )


def downgrade() -> None:
    op.drop_table('canned_replies')
    op.drop_index(op.f('ix_ticket_events_ticket_id'), table_name='ticket_events')
    op.drop_table('ticket_events')
    op.drop_index(op.f('ix_ticket_messages_ticket_id'), table_name='ticket_messages')
    op.drop_table('ticket_messages')
    op.drop_index('uq_tickets_open_contact', table_name='tickets')
    op.drop_index('ix_tickets_status_area', table_name='tickets')
    op.drop_index(op.f('ix_tickets_opened_at'), table_name='tickets')
    op.drop_index(op.f('ix_tickets_assignee_id'), table_name='tickets')
    op.drop_index(op.f('ix_tickets_contact_id'), table_name='tickets')
    op.drop_table('tickets')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('rate_ticket_id')
        batch_op.drop_column('open_ticket_id')
