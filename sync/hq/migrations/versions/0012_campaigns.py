"""Campaigns and automations with their holdouts, the coupons head office issues, who saw
members' full phones, and each member's marketing consent (filled in from the registrations and profile changes received)

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hq_campaigns',
        sa.Column('code', sa.String(24), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('rule', sa.String(12), nullable=True),
        sa.Column('filters_json', sa.Text(), nullable=False),
        sa.Column('benefit_json', sa.Text(), nullable=False),
        sa.Column('message', sa.String(200), nullable=False),
        sa.Column('holdout_pct', sa.Integer(), nullable=False),
        sa.Column('seed', sa.String(32), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('created_by', sa.String(32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('launched_at', sa.DateTime(), nullable=True),
        sa.Column('stopped_at', sa.DateTime(), nullable=True),
        sa.Column('excluded_consent', sa.Integer(), nullable=False),
        sa.Column('excluded_cap', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.create_table(
        'hq_campaign_members',
        sa.Column('campaign_code', sa.String(24), nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('period', sa.String(12), nullable=False),
        sa.Column('grp', sa.String(8), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.Column('until', sa.DateTime(), nullable=False),
        sa.Column('coupon_code', sa.String(24), nullable=True),
        sa.Column('points', sa.BigInteger(), nullable=False),
        sa.Column('multiplier', sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint('campaign_code', 'member_id', 'period'),
    )
    op.create_index('ix_hq_campaign_members_member', 'hq_campaign_members',
                    ['member_id', 'entered_at'])
    op.create_table(
        'hq_coupons',
        sa.Column('code', sa.String(24), nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('template_code', sa.String(24), nullable=False),
        sa.Column('campaign_code', sa.String(24), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('valid_from', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_store', sa.String(8), nullable=True),
        sa.Column('used_receipt', sa.String(24), nullable=True),
        sa.Column('used_fen', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.create_index('ix_hq_coupons_member_id', 'hq_coupons', ['member_id'])
    op.create_table(
        'hq_access_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user', sa.String(32), nullable=False),
        sa.Column('action', sa.String(24), nullable=False),
        sa.Column('subject', sa.String(64), nullable=False),
        sa.Column('detail_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('hq_members') as batch:
        batch.add_column(sa.Column('marketing_consent', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    _consents_from_events()


def _consents_from_events() -> None:
    """Each member's latest consent as the events received so far say it."""
    bind = op.get_bind()
    events = sa.table("hq_events", sa.column("id"), sa.column("type"), sa.column("payload"))
    members = sa.table("hq_members", sa.column("member_id"), sa.column("marketing_consent"))
    latest: dict[str, bool] = {}
    for type_, payload in bind.execute(
            sa.select(events.c.type, events.c.payload)
            .where(events.c.type.in_(("member_registered", "member_profile_updated")))
            .order_by(events.c.id)):
        body = json.loads(payload)
        fields = body if type_ == "member_registered" else body.get("fields") or {}
        if "marketing_consent" in fields and body.get("member_id"):
            latest[str(body["member_id"])] = bool(fields["marketing_consent"])
    given = [member_id for member_id, yes in latest.items() if yes]
    for start in range(0, len(given), 500):
        bind.execute(sa.update(members).where(members.c.member_id.in_(given[start:start + 500]))
                     .values(marketing_consent=True))


def downgrade() -> None:
    with op.batch_alter_table('hq_members') as batch:
        batch.drop_column('marketing_consent')
    op.drop_table('hq_access_log')
    op.drop_table('hq_coupons')
    op.drop_table('hq_campaign_members')
    op.drop_table('hq_campaigns')
