"""staff members (内部会员): a staff user names the member account they buy as, and a sale
records that it was sold at the staff price and the staff discount it gave (the monthly cap
is counted from these)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a NULL or constant default needs no copy of the tables.
    op.add_column("users", sa.Column("member_id", sa.String(length=36), nullable=True))
    op.add_column("sales", sa.Column("staff_code", sa.String(length=16), nullable=True))
    op.add_column("sales", sa.Column("staff_discount_fen", sa.Integer(), nullable=False,
                                     server_default=sa.text("0")))


def downgrade() -> None:
    # SQLite (3.35+) drops these columns in place (see 0005: a batch copy of ``sales`` would
    # have to drop a table other tables' foreign keys name).
    op.drop_column("sales", "staff_discount_fen")
    op.drop_column("sales", "staff_code")
    op.drop_column("users", "member_id")
