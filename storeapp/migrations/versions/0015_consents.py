"""the consent ledger (append-only: triggers refuse UPDATE and DELETE) and head office's
notice texts; each member's old yes/no marketing flag becomes a ``marketing_sms`` entry

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=48), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("store", sa.String(length=8), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id"),
    )
    op.create_index("ix_consents_member", "consents", ["member_id", "purpose", "at"])
    op.create_table(
        "consent_notices",
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", "version"),
    )
    # The flag said "agrees to offers" without saying how or under which text: an SMS consent
    # of no known notice, with an id head office makes the same, so the two never double up.
    op.execute(
        "INSERT INTO consents (entry_id, member_id, purpose, given, version, text_sha256, "
        "channel, actor, at, store, action_key) "
        "SELECT 'legacy:' || member_id, member_id, 'marketing_sms', 1, 'legacy', '', 'import', "
        "'migration', created_at, home_store, NULL FROM members WHERE marketing_consent = 1")
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER consents_no_{verb.lower()} BEFORE {verb} ON consents "
                   f"BEGIN SELECT RAISE(ABORT, 'consents is append-only'); END")


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS consents_no_{verb}")
    op.drop_table("consent_notices")
    op.drop_index("ix_consents_member", table_name="consents")
    op.drop_table("consents")
