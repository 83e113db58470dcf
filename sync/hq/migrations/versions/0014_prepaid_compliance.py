"""Prepaid compliance: issuers (the chain and franchisees) and their kind, the issuer each
store sells for, the deposits recorded per issuer and quarter, and head office's compliance
settings

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_issuers",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "hq_issuer_stores",
        sa.Column("store_code", sa.String(8), nullable=False),
        sa.Column("issuer_code", sa.String(16), nullable=False),
        sa.Column("assigned_by", sa.String(32), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("store_code"),
    )
    op.create_table(
        "hq_deposits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("issuer_code", sa.String(16), nullable=False),
        sa.Column("quarter", sa.String(6), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hq_deposits_quarter", "hq_deposits", ["quarter", "issuer_code"])
    op.create_table(
        "hq_compliance_settings",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("hq_compliance_settings")
    op.drop_index("ix_hq_deposits_quarter", table_name="hq_deposits")
    op.drop_table("hq_deposits")
    op.drop_table("hq_issuer_stores")
    op.drop_table("hq_issuers")
