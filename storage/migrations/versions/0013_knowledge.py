"""knowledge base: entries staff keep, the revision every process watches, unanswered questions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'faq_entries',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('question', sa.String(length=300), nullable=False),
        sa.Column('alternatives', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('topic', sa.String(length=40), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('helpful', sa.Integer(), nullable=False),
        sa.Column('unhelpful', sa.Integer(), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries')),
    )
    op.create_index(op.f('ix_faq_entries_topic'), 'faq_entries', ['topic'])
    op.create_table(
        'faq_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_revision')),
    )
    op.execute("INSERT INTO faq_revision (id, revision) VALUES (1, 0)")
    op.create_table(
        'faq_unanswered',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('last_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_unanswered')),
        sa.UniqueConstraint('key', name=op.f('uq_faq_unanswered_key')),
    )
    op.create_index(op.f('ix_faq_unanswered_last_at'), 'faq_unanswered', ['last_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_faq_unanswered_last_at'), table_name='faq_unanswered')
    op.drop_table('faq_unanswered')
    op.drop_table('faq_revision')
    op.drop_index(op.f('ix_faq_entries_topic'), table_name='faq_entries')
    op.drop_table('faq_entries')
