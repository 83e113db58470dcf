"""server order without a hot row on PostgreSQL: a change's number is its transaction's own id
(pg_current_xact_id) plus a fixed offset, so every number given out from now on is above every
number the counter gave before (a till's cursor skips nothing); readers take only numbers below
the oldest transaction still running (sync.hq.db.change_watermark). SQLite keeps the counter.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # the counter's last number, minus the id this transaction has: transactions from now on
    # have larger ids, so offset + their id is above every number given out before
    bind.execute(sa.text(
        "INSERT INTO hq_counter (name, value) SELECT 'xid_offset', "
        "(SELECT value FROM hq_counter WHERE name = 'change') + 1 "
        "- pg_current_xact_id()::text::bigint"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # the counter continues above every number given out by transaction
    bind.execute(sa.text(
        "UPDATE hq_counter SET value = pg_current_xact_id()::text::bigint + "
        "(SELECT value FROM hq_counter WHERE name = 'xid_offset') WHERE name = 'change'"))
    bind.execute(sa.text("DELETE FROM hq_counter WHERE name = 'xid_offset'"))
