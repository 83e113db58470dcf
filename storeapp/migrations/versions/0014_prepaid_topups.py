"""prepaid-card rules at the counter: a top-up records the prepaid agreement the member accepted
(its version and the SHA-256 of its text), whether a company paid, and the payer's bank account
when it came by transfer (a company's ¥5,000 or more, a person's ¥50,000 or more)

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
    # Plain ALTER TABLE ADD COLUMN (no copy of the table): earlier top-ups recorded no agreement
    # (NULL), were paid by no company (0) and named no account.
    op.add_column("topups", sa.Column("agreement_version", sa.String(length=32), nullable=True))
    op.add_column("topups", sa.Column("agreement_sha256", sa.String(length=64), nullable=True))
    op.add_column("topups", sa.Column("company", sa.Boolean(), nullable=False,
                                      server_default=sa.text("0")))
    op.add_column("topups", sa.Column("payer_account", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place (see 0009).
    for column in ("payer_account", "company", "agreement_sha256", "agreement_version"):
        op.drop_column("topups", column)
