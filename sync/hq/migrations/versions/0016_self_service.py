"""The member self-service page: members' privacy requests (a correction or an erasure, until a
manager decides it), and an index on the access log by subject and time, by which the page
lists a member's own views and bounds how often a link is used

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_privacy_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("field", sa.String(12), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(32), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hq_privacy_requests_member_id", "hq_privacy_requests", ["member_id"])
    op.create_index("ix_hq_privacy_requests_status", "hq_privacy_requests",
                    ["status", "created_at"])
    op.create_index("ix_hq_access_log_subject_at", "hq_access_log", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_hq_access_log_subject_at", table_name="hq_access_log")
    op.drop_index("ix_hq_privacy_requests_status", table_name="hq_privacy_requests")
    op.drop_index("ix_hq_privacy_requests_member_id", table_name="hq_privacy_requests")
    op.drop_table("hq_privacy_requests")
