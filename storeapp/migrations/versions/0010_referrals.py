"""referrals (推广大使): a member records the member who referred them (head office decides
whether the referral earns its reward)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a NULL default needs no copy of the table.
    op.add_column("members", sa.Column("referrer_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops the column in place (see 0009).
    op.drop_column("members", "referrer_id")
