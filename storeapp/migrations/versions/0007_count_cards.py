"""count cards (次卡): the products on sale, the cards sold (lots of uses) and their
append-only journal, whose running totals ``ledger_totals`` keeps as ``count:uses`` and
``count:value``

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TOTALS = (("count:uses", "new.uses"), ("count:value", "new.value_fen"))


def upgrade() -> None:
    op.create_table(
        "card_products",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("covers", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("valid_months", sa.Integer(), nullable=False),
        sa.Column("stores", sa.String(length=200), nullable=False),
        sa.Column("offline_uses", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "count_cards",
        sa.Column("card_no", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("product_code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("covers", sa.String(length=64), nullable=False),
        sa.Column("uses_total", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.Integer(), nullable=False),
        sa.Column("bonus_fen", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("stores", sa.String(length=200), nullable=False),
        sa.Column("offline_uses", sa.Integer(), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("store_code", sa.String(length=8), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("sold_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("card_no"),
    )
    op.create_index("ix_count_cards_expires_at", "count_cards", ["expires_at"])
    op.create_index("ix_count_cards_member", "count_cards", ["member_id", "expires_at"])
    op.create_table(
        "count_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_no", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_no"], ["count_cards.card_no"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_count_entries_action_key", "count_entries", ["action_key"])
    op.create_index("ix_count_entries_card", "count_entries", ["card_no", "id"])
    op.create_index("ix_count_entries_time_kind", "count_entries",
                    ["created_at", "kind", "uses", "value_fen"])
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER count_entries_no_{verb.lower()} BEFORE {verb} ON "
                   f"count_entries BEGIN SELECT RAISE(ABORT, 'count_entries is append-only'); "
                   f"END")
    body = "; ".join(
        f"INSERT INTO ledger_totals (name, amount) VALUES ('{name}', {amount}) "
        f"ON CONFLICT (name) DO UPDATE SET amount = amount + excluded.amount"
        for name, amount in TOTALS)
    op.execute(f"CREATE TRIGGER count_entries_total AFTER INSERT ON count_entries BEGIN "
               f"{body}; END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS count_entries_total")
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS count_entries_no_{verb}")
    op.execute("DELETE FROM ledger_totals WHERE name LIKE 'count:%'")
    op.drop_table("count_entries")
    op.drop_table("count_cards")
    op.drop_table("card_products")
