"""when a store last synced, kept per till: ``hq_streams.synced_at`` and ``last_event_at``
replace ``hq_stores.last_sync_at`` and ``last_event_at``, which every batch of every till of
the store wrote (a lock on the store's row held to the batch's commit; under Citus a write to a
reference table, on every node). A store's times are the latest of its tills'
(sync.hq.figures.store_syncs).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hq_streams") as batch:
        batch.add_column(sa.Column("synced_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_event_at", sa.DateTime(), nullable=True))
    # each till of a store gets the store's times: the latest of them is the store's again
    op.execute("UPDATE hq_streams SET "
               "synced_at = (SELECT last_sync_at FROM hq_stores s WHERE s.id = store_id), "
               "last_event_at = (SELECT last_event_at FROM hq_stores s WHERE s.id = store_id)")
    with op.batch_alter_table("hq_stores") as batch:
        batch.drop_column("last_sync_at")
        batch.drop_column("last_event_at")


def downgrade() -> None:
    with op.batch_alter_table("hq_stores") as batch:
        batch.add_column(sa.Column("last_sync_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_event_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE hq_stores SET "
               "last_sync_at = (SELECT max(synced_at) FROM hq_streams t "
               "WHERE t.store_id = hq_stores.id), "
               "last_event_at = (SELECT max(last_event_at) FROM hq_streams t "
               "WHERE t.store_id = hq_stores.id)")
    with op.batch_alter_table("hq_streams") as batch:
        batch.drop_column("synced_at")
        batch.drop_column("last_event_at")
