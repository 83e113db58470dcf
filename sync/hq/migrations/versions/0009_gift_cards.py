"""Gift cards (不记名预付卡) across the chain: each card's balance and head office's gift-card
ledger

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'hq_gift_cards',
        sa.Column('card_no', sa.String(20), nullable=False),
        sa.Column('face_fen', sa.BigInteger(), nullable=False),
        sa.Column('balance_fen', sa.BigInteger(), nullable=False),
        sa.Column('sold', sa.Boolean(), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('sold_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('card_no'),
    )
    op.create_table(
        'hq_gift_ledger',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('card_no', sa.String(20), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=True),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_gift_ledger_card_no', 'hq_gift_ledger', ['card_no'])
    op.create_index('ix_hq_gift_ledger_store_day', 'hq_gift_ledger', ['store_code', 'day'])


def downgrade() -> None:
    op.drop_table('hq_gift_ledger')
    op.drop_table('hq_gift_cards')
