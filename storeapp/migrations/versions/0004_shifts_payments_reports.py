"""shifts, Z reports, the till's payments journal, tier changes and ledger totals for reports

Revision ID: 0004
Revises: 0003

Existing tills get their payments journal rebuilt from what they already hold (sale tenders,
refunds, top-ups and their voids, plan fees, principal paid out at account close), outside any
shift, and their ledger totals summed once; from here on the services and triggers keep both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("payments", "z_reports", "tier_changes")
#: Running totals kept on every insert: stored value per kind and bucket, and points.
TOTALS = (
    ("wallet_entries", "'wallet:' || NEW.kind || ':' || NEW.bucket", "NEW.amount_fen"),
    ("points_entries", "'points'", "NEW.points"),
)

BACKFILL_PAYMENTS = """
INSERT INTO payments (action_key, kind, method, amount_fen, shift_id, cashier, created_at)
SELECT action_key, kind, method, amount_fen, NULL, cashier, created_at FROM (
    SELECT s.action_key, 'sale' AS kind, t.method, t.amount_fen, s.cashier, s.created_at
      FROM tenders t JOIN sales s ON s.id = t.sale_id
    UNION ALL
    SELECT r.action_key, 'refund', t.method, -t.amount_fen, r.cashier, r.created_at
      FROM refunds r JOIN tenders t ON t.sale_id = r.sale_id
    UNION ALL
    SELECT key, 'topup', method, principal_fen, cashier, created_at FROM topups
    UNION ALL
    SELECT a.key, 'topup_void', t.method, -t.principal_fen, a.actor, a.created_at
      FROM topups t JOIN actions a ON a.key = t.voided_by
    UNION ALL
    SELECT mp.action_key, 'plan', mp.method, mp.fee_fen, a.actor, a.created_at
      FROM member_plans mp JOIN actions a ON a.key = mp.action_key
    UNION ALL
    SELECT w.action_key, 'close', w.method, w.amount_fen, a.actor, w.created_at
      FROM wallet_entries w JOIN actions a ON a.key = w.action_key
     WHERE w.kind = 'close_refund' AND w.amount_fen <> 0
) ORDER BY created_at
"""


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("till_no", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("float_fen", sa.Integer(), nullable=False),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("counted_fen", sa.Integer(), nullable=True),
        sa.Column("expected_fen", sa.Integer(), nullable=True),
        sa.Column("z_no", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_shifts_open_till", "shifts", ["till_no"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"))
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("cashier", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payments_action_key", "payments", ["action_key"])
    op.create_index("ix_payments_shift_id", "payments", ["shift_id"])
    op.create_index("ix_payments_created_at", "payments", ["created_at"])
    op.create_table(
        "z_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("till_no", sa.Integer(), nullable=False),
        sa.Column("z_no", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shift_id"),
        sa.UniqueConstraint("till_no", "z_no"),
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("from_tier", sa.String(length=16), nullable=False),
        sa.Column("to_tier", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tier_changes_member_id", "tier_changes", ["member_id"])
    op.create_index("ix_tier_changes_created_at", "tier_changes", ["created_at"])
    op.create_table(
        "ledger_totals",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )

    op.drop_index("ix_wallet_entries_created_at", table_name="wallet_entries")
    op.create_index("ix_wallet_time_kind", "wallet_entries",
                    ["created_at", "kind", "bucket", "amount_fen"])
    op.drop_index("ix_points_entries_created_at", table_name="points_entries")
    op.create_index("ix_points_time_kind", "points_entries", ["created_at", "kind", "points"])
    op.drop_index("ix_sales_member_time", table_name="sales")
    op.create_index("ix_sales_member_time", "sales",
                    ["member_id", "created_at", "status", "total_fen"])
    op.create_index("ix_members_tier", "members", ["tier", "status"])
    op.create_index("ix_members_created", "members", ["created_at"])
    op.create_index("ix_coupons_issued_at", "coupons", ["issued_at"])
    op.create_index("ix_coupons_used_at", "coupons", ["used_at"])

    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    op.execute("INSERT INTO ledger_totals (name, amount) "
               "SELECT 'wallet:' || kind || ':' || bucket, sum(amount_fen) FROM wallet_entries "
               "GROUP BY kind, bucket")
    op.execute("INSERT INTO ledger_totals (name, amount) "
               "SELECT 'points', coalesce(sum(points), 0) FROM points_entries")
    for table, name, amount in TOTALS:
        op.execute(
            f"CREATE TRIGGER {table}_total AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO ledger_totals (name, amount) VALUES ({name}, {amount}) "
            f"ON CONFLICT (name) DO UPDATE SET amount = amount + excluded.amount; END")
    op.execute(BACKFILL_PAYMENTS)


def downgrade() -> None:
    for table, _, _ in TOTALS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_total")
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    op.drop_index("ix_coupons_used_at", table_name="coupons")
    op.drop_index("ix_coupons_issued_at", table_name="coupons")
    op.drop_index("ix_members_created", table_name="members")
    op.drop_index("ix_members_tier", table_name="members")
    op.drop_index("ix_sales_member_time", table_name="sales")
    op.create_index("ix_sales_member_time", "sales", ["member_id", "created_at"])
    op.drop_index("ix_points_time_kind", table_name="points_entries")
    op.create_index("ix_points_entries_created_at", "points_entries", ["created_at"])
    op.drop_index("ix_wallet_time_kind", table_name="wallet_entries")
    op.create_index("ix_wallet_entries_created_at", "wallet_entries", ["created_at"])
    op.drop_table("ledger_totals")
    op.drop_table("tier_changes")
    op.drop_table("z_reports")
    op.drop_table("payments")
    op.drop_index("ux_shifts_open_till", table_name="shifts")
    op.drop_table("shifts")
