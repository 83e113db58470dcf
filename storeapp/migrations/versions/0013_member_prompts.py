"""campaigns: head office's one-line prompts per member (shown at the counter, printed on the
receipt); coupons head office issues arrive as coupons with reason ``campaign``

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_prompts",
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("campaign", sa.String(24), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("points_multiplier", sa.String(8), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("member_id", "campaign"),
    )


def downgrade() -> None:
    op.drop_table("member_prompts")
