"""Continuity: every outbox event carries the running hash of the till's stream; ``sync`` rows
are found by member cheaply (a till's own balance is its cached one less them)

Revision ID: 0006
Revises: 0005

The chain of the events already written is computed here, in order (the append-only trigger is
lifted for that one UPDATE and put back).
"""

import sqlalchemy as sa
from alembic import op

from storeapp.continuity import GENESIS, chain_next, event_digest

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NO_UPDATE = ("CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox "
             "BEGIN SELECT RAISE(ABORT, 'outbox is append-only'); END")


def upgrade() -> None:
    op.add_column("outbox", sa.Column("chain", sa.String(length=64), nullable=False,
                                      server_default=""))
    conn = op.get_bind()
    chain, rows = GENESIS, []
    for seq, event_id, kind, payload in conn.execute(sa.text(
            "SELECT seq, event_id, type, payload_json FROM outbox ORDER BY seq")):
        chain = chain_next(chain, event_digest(seq, event_id, kind, payload))
        rows.append({"seq": seq, "chain": chain})
    if rows:
        op.execute("DROP TRIGGER outbox_no_update")
        conn.execute(sa.text("UPDATE outbox SET chain = :chain WHERE seq = :seq"), rows)
        op.execute(NO_UPDATE)
    op.create_index("ix_wallet_sync_member", "wallet_entries", ["member_id"],
                    sqlite_where=sa.text("kind = 'sync'"))
    op.create_index("ix_points_sync_member", "points_entries", ["member_id"],
                    sqlite_where=sa.text("kind = 'sync'"))


def downgrade() -> None:
    op.drop_index("ix_points_sync_member", table_name="points_entries")
    op.drop_index("ix_wallet_sync_member", table_name="wallet_entries")
    op.drop_column("outbox", "chain")
