"""Count cards (次卡) across the chain: the cards, each till's share of their uses, and head
office's count-card ledger

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'hq_count_cards',
        sa.Column('card_no', sa.String(20), nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('product_code', sa.String(24), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('covers', sa.String(64), nullable=False),
        sa.Column('uses_total', sa.Integer(), nullable=False),
        sa.Column('paid_fen', sa.BigInteger(), nullable=False),
        sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
        sa.Column('method', sa.String(16), nullable=False),
        sa.Column('stores', sa.String(200), nullable=False),
        sa.Column('offline_uses', sa.Integer(), nullable=False),
        sa.Column('uses_left', sa.Integer(), nullable=False),
        sa.Column('value_fen', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('sold_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('card_no'),
    )
    op.create_index('ix_hq_count_cards_member_id', 'hq_count_cards', ['member_id'])
    op.create_table(
        'hq_count_shares',
        sa.Column('card_no', sa.String(20), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('value_fen', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('card_no', 'store_code', 'till_no'),
    )
    op.create_table(
        'hq_count_ledger',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('card_no', sa.String(20), nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=True),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('value_fen', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_count_ledger_card_no', 'hq_count_ledger', ['card_no'])
    op.create_index('ix_hq_count_ledger_store_day', 'hq_count_ledger', ['store_code', 'day'])


def downgrade() -> None:
    op.drop_table('hq_count_ledger')
    op.drop_table('hq_count_shares')
    op.drop_table('hq_count_cards')
