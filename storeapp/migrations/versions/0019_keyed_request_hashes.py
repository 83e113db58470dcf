"""keyed request hashes: actions.request_hash becomes the request's digest under the till's
records key (storeapp.actions.request_mac); a bare SHA-256 of a registration could be reversed
by trying every phone with common names. Existing hashes are keyed in place (the new hash is a
MAC of the old one), so a retry of an earlier action still matches; storeapp.migrate then
vacuums the file.

Revision ID: 0019
Revises: 0018
"""

import hashlib
import hmac

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

RESTORED = "restored"  # storeapp.actions.RESTORED: a restored action, no request to compare


def upgrade() -> None:
    from storeapp.migrate import key_store_of
    from storeapp.sealed_records import records_key

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT key, request_hash FROM actions "
                                "WHERE request_hash != :restored"), {"restored": RESTORED}).all()
    if not rows:
        return
    key = records_key(key_store_of(bind))
    bind.execute(sa.text("UPDATE actions SET request_hash = :h WHERE key = :k"), [
        {"k": action_key, "h": hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()}
        for action_key, digest in rows])


def downgrade() -> None:
    """A MAC cannot be undone: earlier actions keep theirs, and a retry of one of them under
    the older code is refused as a reused key rather than answered."""
