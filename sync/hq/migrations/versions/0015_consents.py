"""the consent ledger and the notices: consents given and withdrawn (append-only by code),
the notice texts head office publishes; each member's old marketing flag becomes a
``marketing_sms`` entry (the tills make the same entry, with the same id)

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hq_notices",
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("version", sa.String(24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", "version"),
    )
    consents = op.create_table(
        "hq_consents",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(48), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(24), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("store_code", sa.String(8), nullable=False),
        sa.Column("till_no", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id"),
    )
    op.create_index("ix_hq_consents_member", "hq_consents", ["member_id", "purpose", "at"])
    members = sa.table("hq_members", sa.column("member_id"), sa.column("marketing_consent"),
                       sa.column("created_at"), sa.column("home_store"))
    c = members.c
    op.execute(sa.insert(consents).from_select(
        ["entry_id", "member_id", "purpose", "given", "version", "text_sha256", "channel",
         "actor", "at", "store_code", "till_no", "event_id", "received_at"],
        sa.select(sa.literal("legacy:") + c.member_id, c.member_id,
                  sa.literal("marketing_sms"), sa.true(), sa.literal("legacy"), sa.literal(""),
                  sa.literal("import"), sa.literal("migration"), c.created_at, c.home_store,
                  sa.literal(0), sa.null(), c.created_at)
        .where(c.marketing_consent == sa.true())))


def downgrade() -> None:
    op.drop_index("ix_hq_consents_member", table_name="hq_consents")
    op.drop_table("hq_consents")
    op.drop_table("hq_notices")
