"""Head office schema: stores, events, members, ledger, holds, exceptions, rules.

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hq_batches',
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('store_id', 'batch_id')
    )
    op.create_table('hq_counter',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('hq_day_totals',
    sa.Column('store_code', sa.String(length=8), nullable=False),
    sa.Column('till_no', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('account', sa.String(length=24), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('store_code', 'till_no', 'day', 'account')
    )
    op.create_table('hq_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('till_no', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_id', 'event_id', name='uq_hq_events_store_event'),
    sa.UniqueConstraint('store_id', 'till_no', 'seq', name='uq_hq_events_stream_seq')
    )
    op.create_table('hq_exceptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('store_code', sa.String(length=8), nullable=True),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('detail_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hq_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_exceptions_member_id'), ['member_id'], unique=False)

    op.create_table('hq_holds',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_code', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('hq_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_holds_member_id'), ['member_id'], unique=False)

    op.create_table('hq_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_code', sa.String(length=8), nullable=False),
    sa.Column('till_no', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hq_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_ledger_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_hq_ledger_store_day', ['store_code', 'day'], unique=False)

    op.create_table('hq_member_stores',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_code', sa.String(length=8), nullable=False),
    sa.Column('till_no', sa.Integer(), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'store_code', 'till_no')
    )
    op.create_table('hq_members',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('card_no', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('home_store', sa.String(length=8), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('wallet_blocked', sa.Boolean(), nullable=False),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('change_no', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('member_id')
    )
    with op.batch_alter_table('hq_members', schema=None) as batch_op:
        batch_op.create_index('ix_hq_members_card', ['card_no'], unique=False)
        batch_op.create_index('ix_hq_members_change', ['change_no', 'member_id'], unique=False)
        batch_op.create_index('uq_hq_members_live_phone', ['phone'], unique=True, postgresql_where=sa.text('merged_into IS NULL'), sqlite_where=sa.text('merged_into IS NULL'))

    op.create_table('hq_refusals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('store_code', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('hq_rules',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value_json', sa.Text(), nullable=True),
    sa.Column('change_no', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key')
    )
    with op.batch_alter_table('hq_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_rules_change_no'), ['change_no'], unique=False)

    op.create_table('hq_stores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(), nullable=True),
    sa.Column('last_event_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('hq_streams',
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('till_no', sa.Integer(), nullable=False),
    sa.Column('acked_seq', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('store_id', 'till_no')
    )
    op.execute("INSERT INTO hq_counter (name, value) VALUES ('change', 0)")


def downgrade() -> None:
    op.drop_table('hq_streams')
    op.drop_table('hq_stores')
    with op.batch_alter_table('hq_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hq_rules_change_no'))

    op.drop_table('hq_rules')
    op.drop_table('hq_refusals')
    with op.batch_alter_table('hq_members', schema=None) as batch_op:
        batch_op.drop_index('uq_hq_members_live_phone', postgresql_where=sa.text('merged_into IS NULL'), sqlite_where=sa.text('merged_into IS NULL'))
        batch_op.drop_index('ix_hq_members_change')
        batch_op.drop_index('ix_hq_members_card')

    op.drop_table('hq_members')
    op.drop_table('hq_member_stores')
    with op.batch_alter_table('hq_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_hq_ledger_store_day')
        batch_op.drop_index(batch_op.f('ix_hq_ledger_member_id'))

    op.drop_table('hq_ledger')
    with op.batch_alter_table('hq_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hq_holds_member_id'))

    op.drop_table('hq_holds')
    with op.batch_alter_table('hq_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hq_exceptions_member_id'))

    op.drop_table('hq_exceptions')
    op.drop_table('hq_events')
    op.drop_table('hq_day_totals')
    op.drop_table('hq_counter')
    op.drop_table('hq_batches')
