"""the planner's count of members in ``hq_member_name_grams`` set, not sampled: a batch that
renames members deletes their old grams by member id (``storeapp.pii_orm.seal_rows``), and a
sample of the table as a night's ingest grows it put ~270 rows under each member (there are
two or three), so with the hundreds of ids a batch of 2,000 events names the planner takes a
scan of the whole table. Members are about 40 % of the rows (a name gives two or three grams).
The delete also passes its ids as one array, whose generic plan takes the index even with no
statistics at all (a server without autovacuum: at ten million events 5 billion rows were
read). PostgreSQL only; SQLite plans by its index.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE hq_member_name_grams ALTER COLUMN member_id SET (n_distinct = -0.4)")
    op.execute("ANALYZE hq_member_name_grams")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE hq_member_name_grams ALTER COLUMN member_id RESET (n_distinct)")
