"""office: the DTSEN desil and the transfer on a report, the override reason on a history entry,
the verifier's document checklist, and the report that tells a coverage row its worker died

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desil', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transfer_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('transfer_reference', sa.String(length=60), nullable=True))
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('registry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_dead', sa.String(length=16), nullable=True))
    op.create_table(
        'report_checks',
        sa.Column('id', _ID, autoincrement=True, nullable=False),
        sa.Column('report_id', _ID, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=24), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_checks_report_id_reports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_checks')),
        sa.UniqueConstraint('report_id', 'kind', name=op.f('uq_report_checks_report_id')),
    )
    op.create_index(op.f('ix_report_checks_report_id'), 'report_checks', ['report_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_report_checks_report_id'), table_name='report_checks')
    op.drop_table('report_checks')
    with op.batch_alter_table('registry', schema=None) as batch_op:
        batch_op.drop_column('reported_dead')
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('transfer_reference')
        batch_op.drop_column('transfer_date')
        batch_op.drop_column('desil')
