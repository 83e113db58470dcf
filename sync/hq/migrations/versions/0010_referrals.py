"""Referrals (推广大使): each referred member, whether head office found them new to the chain,
and the referrer's reward

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hq_referrals',
        sa.Column('referee_id', sa.String(36), nullable=False),
        sa.Column('referrer_id', sa.String(36), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('reason', sa.String(40), nullable=False),
        sa.Column('reward_points', sa.BigInteger(), nullable=False),
        sa.Column('rewarded_member_id', sa.String(36), nullable=True),
        sa.Column('rewarded_at', sa.DateTime(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('referee_id'),
    )
    op.create_index('ix_hq_referrals_referrer', 'hq_referrals', ['referrer_id', 'rewarded_at'])
    op.create_index('ix_hq_referrals_decided', 'hq_referrals', ['decided_at'])


def downgrade() -> None:
    op.drop_table('hq_referrals')
