"""the download cursor head office last gave each till (``hq_till_downloads``): a till showing a
later one downloaded changes this database no longer holds, because it was restored from a
backup or a standby was promoted, and head office refuses its downloads until a user runs
``storeapp-hq renumber`` (sync.hq.service.changes). One row per till: keyed by store, as the
streams are.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hq_till_downloads",
        sa.Column("store_id", Id, nullable=False),
        sa.Column("till_no", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "till_no"))


def downgrade() -> None:
    op.drop_table("hq_till_downloads")
