"""company accounts (企业会员, 月结): companies buying on account up to a credit limit, and
their append-only journal (charges +, payments -)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("contact_name", sa.String(length=32), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("credit_limit_fen", sa.Integer(), nullable=False),
        sa.Column("terms_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("balance_fen", sa.Integer(), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "company_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_code", sa.String(length=16), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_code"], ["companies.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_entries_action_key", "company_entries", ["action_key"])
    op.create_index("ix_company_entries_company", "company_entries", ["company_code", "id"])
    op.create_index("ix_company_entries_time", "company_entries", ["created_at", "amount_fen"])
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER company_entries_no_{verb.lower()} BEFORE {verb} ON "
                   f"company_entries BEGIN SELECT RAISE(ABORT, 'company_entries is "
                   f"append-only'); END")


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS company_entries_no_{verb}")
    op.drop_table("company_entries")
    op.drop_table("companies")
