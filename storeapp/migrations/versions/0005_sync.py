"""head-office sync: blocked wallets, merged members, the sync client's state

Revision ID: 0005
Revises: 0004

``members.wallet_blocked`` and ``members.merged_into`` are set by head office and arrive with
downloaded members (docs/sync.md); ``sync_state`` holds the till client's progress.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a constant default needs no copy of the members table.
    op.add_column("members", sa.Column("wallet_blocked", sa.Boolean(), nullable=False,
                                       server_default=sa.text("0")))
    op.add_column("members", sa.Column("merged_into", sa.String(length=36), nullable=True))
    op.create_index("ix_members_merged", "members", ["merged_into"],
                    sqlite_where=sa.text("merged_into IS NOT NULL"))
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_members_merged", table_name="members")
    # SQLite (3.35+) drops these columns in place. A batch copy of ``members`` would have to
    # drop the old table, which the foreign keys of cards, sales, ... refuse while
    # PRAGMA foreign_keys is on (and it cannot be switched off inside this transaction).
    op.drop_column("members", "merged_into")
    op.drop_column("members", "wallet_blocked")
