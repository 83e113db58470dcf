"""Member changes in server order move to an append-only log; hot rows get room to change.

``hq_members.change_no`` stays (it says which log row is the member's latest) but loses its
index, so rewriting a member's balances touches no index; with free space in the page
(fillfactor) PostgreSQL then updates members and per-till contributions in place ("HOT").

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

HOT_TABLES = ("hq_members", "hq_member_stores")


def upgrade() -> None:
    op.create_table(
        'hq_member_changes',
        sa.Column('change_no', sa.BigInteger(), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('change_no', 'member_id'),
    )
    op.execute("INSERT INTO hq_member_changes (change_no, member_id) "
               "SELECT change_no, member_id FROM hq_members")
    with op.batch_alter_table('hq_members') as batch_op:
        batch_op.drop_index('ix_hq_members_change')
    if op.get_bind().dialect.name == "postgresql":
        for table in HOT_TABLES:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in HOT_TABLES:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    with op.batch_alter_table('hq_members') as batch_op:
        batch_op.create_index('ix_hq_members_change', ['change_no', 'member_id'])
    op.drop_table('hq_member_changes')
