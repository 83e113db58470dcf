"""members' own keys at head office (hq_member_keys), wrapped under head office's master key,
which lives in its key store outside the database: tills send them sealed with their uploads

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_member_keys",
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("wrapped", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("hq_member_keys")
