"""Head office verifies events: rule history, what may be given back, held events, reviews.

Existing data is carried over: every rule's current value becomes its first version, and the
sales and top-ups already applied become refundable (or used, when their refund or void was
applied too), so a till's next refund of an old sale is checked like any other.

Revision ID: 0004
Revises: 0003
"""

import datetime as dt
import json

from alembic import op
import sqlalchemy as sa

from storeapp.clock import to_local

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'hq_rule_history',
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('key', sa.String(64), nullable=False),
        sa.Column('change_no', sa.BigInteger(), nullable=False),
        sa.Column('value_json', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('kind', 'key', 'change_no'),
    )
    op.execute("INSERT INTO hq_rule_history (kind, key, change_no, value_json) "
               "SELECT kind, key, change_no, value_json FROM hq_rules")
    op.create_table(
        'hq_refundables',
        sa.Column('store_id', Id, nullable=False),
        sa.Column('ref', sa.String(64), nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('member_id', sa.String(36), nullable=False),
        sa.Column('principal_fen', sa.BigInteger(), nullable=False),
        sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
        sa.Column('points_earned', sa.BigInteger(), nullable=False),
        sa.Column('points_redeemed', sa.BigInteger(), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('used_by', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('store_id', 'ref'),
    )
    op.create_table(
        'hq_held_events',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('store_id', Id, nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=False),
        sa.Column('member_ids', sa.Text(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('reason', sa.String(32), nullable=False),
        sa.Column('detail_json', sa.Text(), nullable=False),
        sa.Column('blocked_by', Id, nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_held_stream', 'hq_held_events', ['store_id', 'till_no', 'status'])
    op.create_table(
        'hq_reviews',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('held_id', Id, nullable=True),
        sa.Column('store_code', sa.String(8), nullable=True),
        sa.Column('till_no', sa.Integer(), nullable=True),
        sa.Column('decision', sa.String(8), nullable=False),
        sa.Column('by_user', sa.String(32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_reviews_held_id', 'hq_reviews', ['held_id'])
    with op.batch_alter_table('hq_streams') as batch_op:
        batch_op.add_column(sa.Column('rules_seen', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _backfill_refundables()


def _backfill_refundables() -> None:
    """Sales and top-ups already applied, as :mod:`sync.hq.ingest` records them from now on."""
    conn = op.get_bind()
    events = conn.execute(sa.text(
        "SELECT store_id, till_no, event_id, type, payload FROM hq_events WHERE type IN "
        "('sale_completed', 'wallet_topped_up', 'sale_refunded', 'wallet_topup_voided') "
        "ORDER BY id"))
    rows: dict[tuple[int, str], dict[str, object]] = {}
    for store_id, till_no, event_id, kind, payload in events:
        body = json.loads(payload)
        line = (body.get("ledger") or [{}])[0]
        day = to_local(dt.datetime.fromisoformat(str(body.get("at")))).date()
        if kind == "sale_completed" and body.get("member_id") and body.get("ledger"):
            rows[store_id, str(body["receipt_no"])] = dict(
                store_id=store_id, ref=str(body["receipt_no"]), till_no=till_no, kind="sale",
                member_id=str(body["member_id"]), principal_fen=-int(line["principal_fen"]),
                bonus_fen=-int(line["bonus_fen"]), points_earned=int(body["points_earned"]),
                points_redeemed=int(body["points_redeemed"]), total_fen=int(body["total_fen"]),
                day=day, used_by=None)
        elif kind == "wallet_topped_up" and body.get("ledger"):
            rows[store_id, str(body["key"])] = dict(
                store_id=store_id, ref=str(body["key"]), till_no=till_no, kind="topup",
                member_id=str(body["member_id"]), principal_fen=int(line["principal_fen"]),
                bonus_fen=int(line["bonus_fen"]), points_earned=0, points_redeemed=0,
                total_fen=int(line["principal_fen"]), day=day, used_by=None)
        else:
            ref = str(body.get("receipt_no") or body.get("topup_key") or "")
            if (store_id, ref) in rows:
                rows[store_id, ref]["used_by"] = event_id
    if rows:
        table = sa.table("hq_refundables", *(sa.column(c) for c in next(iter(rows.values()))))
        op.bulk_insert(table, list(rows.values()))


def downgrade() -> None:
    with op.batch_alter_table('hq_streams') as batch_op:
        batch_op.drop_column('rules_seen')
    op.drop_index('ix_hq_reviews_held_id', 'hq_reviews')
    op.drop_table('hq_reviews')
    op.drop_index('ix_hq_held_stream', 'hq_held_events')
    op.drop_table('hq_held_events')
    op.drop_table('hq_refundables')
    op.drop_table('hq_rule_history')
