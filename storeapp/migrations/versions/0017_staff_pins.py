"""staff PINs: a user locked after too many wrong PINs stays locked until a time that doubles
with each lock in a row (or until a manager unlocks); PINs move to argon2id as staff log in

The head-office token leaves the ``settings`` table for the till's key store at open time
(:meth:`storeapp.db.Database._ensure_secrets`), not here: a migration knows the database, not
where the till keeps its keys.

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
    # Plain ALTER TABLE ADD COLUMN: a NULL or constant default needs no copy of the table.
    # Existing scrypt hashes stay valid; each is replaced by argon2id at that user's next
    # good login (storeapp.services.users.login), since the PIN is needed to hash it again.
    op.add_column("users", sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("lock_count", sa.Integer(), nullable=False,
                                     server_default=sa.text("0")))
    # A user locked before locks had an end (failed_tries reached the till's limit) stays
    # locked until a manager unlocks them, as they were told (storeapp.login_rules).
    op.execute(
        "UPDATE users SET locked_until = '9999-12-31 00:00:00.000000', lock_count = 1, "
        "failed_tries = 0 WHERE failed_tries >= COALESCE((SELECT CAST(value_json AS INTEGER) "
        "FROM settings WHERE name = 'user_pin_max_tries'), 5)")


def downgrade() -> None:
    # SQLite (3.35+) drops these columns in place (see 0009).
    op.drop_column("users", "lock_count")
    op.drop_column("users", "locked_until")
