"""gift cards (不记名预付卡): the cards, their sales (with the buyer's name and the payer's
account where the law asks) and their append-only journal, whose running total
``ledger_totals`` keeps as ``gift:balance``; a tender names the gift card it took

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gift_cards",
        sa.Column("card_no", sa.String(length=20), nullable=False),
        sa.Column("face_fen", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("store_code", sa.String(length=8), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("sold_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("card_no"),
    )
    op.create_index("ix_gift_cards_action_key", "gift_cards", ["action_key"])
    op.create_table(
        "gift_sales",
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("face_fen", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("company", sa.Boolean(), nullable=False),
        sa.Column("buyer_name", sa.String(length=64), nullable=True),
        sa.Column("payer_account", sa.String(length=64), nullable=True),
        sa.Column("cashier", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("action_key"),
    )
    op.create_index("ix_gift_sales_created_at", "gift_sales", ["created_at"])
    op.create_table(
        "gift_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_no", sa.String(length=20), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_no"], ["gift_cards.card_no"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gift_entries_action_key", "gift_entries", ["action_key"])
    op.create_index("ix_gift_entries_card", "gift_entries", ["card_no", "id"])
    op.create_index("ix_gift_entries_time_kind", "gift_entries",
                    ["created_at", "kind", "amount_fen"])
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER gift_entries_no_{verb.lower()} BEFORE {verb} ON "
                   f"gift_entries BEGIN SELECT RAISE(ABORT, 'gift_entries is append-only'); END")
    op.execute("CREATE TRIGGER gift_entries_total AFTER INSERT ON gift_entries BEGIN "
               "INSERT INTO ledger_totals (name, amount) VALUES ('gift:balance', "
               "new.amount_fen) ON CONFLICT (name) DO UPDATE SET amount = amount + "
               "excluded.amount; END")
    op.add_column("tenders", sa.Column("ref", sa.String(length=24), nullable=True))


def downgrade() -> None:
    op.drop_column("tenders", "ref")
    op.execute("DROP TRIGGER IF EXISTS gift_entries_total")
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS gift_entries_no_{verb}")
    op.execute("DELETE FROM ledger_totals WHERE name = 'gift:balance'")
    op.drop_table("gift_entries")
    op.drop_table("gift_sales")
    op.drop_table("gift_cards")
