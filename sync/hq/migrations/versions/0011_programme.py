"""The membership programme's facts: every member purchase and refund at any store
(``hq_visits``, filled from the events already received), and head-office users' roles

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        'hq_visits',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=False),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_visits_member_at', 'hq_visits', ['member_id', 'at'])
    op.create_index('ix_hq_visits_day', 'hq_visits', ['day', 'store_code'])
    with op.batch_alter_table('hq_users') as batch:
        batch.add_column(sa.Column('role', sa.String(12), nullable=False,
                                   server_default='manager'))
    from sync.hq.apply_visits import backfill
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('hq_users') as batch:
        batch.drop_column('role')
    op.drop_table('hq_visits')
