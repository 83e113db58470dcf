"""referrals: an index on members.referrer_id, so the member panel counts a member's referrals
in one indexed read (partial: most members name no referrer)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_members_referrer", "members", ["referrer_id"],
                    sqlite_where=sa.text("referrer_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_members_referrer", table_name="members")
