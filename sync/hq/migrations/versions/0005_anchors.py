"""Head office anchors each till: the running hash of its stream, its audit chain, the digest of
what it contributed to each member, and a flag while it may spend only online.

Existing streams get their chain (from the stored events' digests, in order) and their digest
(from the per-till contributions) computed here.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

from storeapp.continuity import GENESIS, chain_next
from storeapp.integrity import EMPTY_DIGEST, fold, member_hash

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('hq_streams') as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(64), nullable=False,
                                      server_default=GENESIS))
        batch_op.add_column(sa.Column('audit_seq', sa.BigInteger(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('audit_hash', sa.String(64), nullable=False,
                                      server_default=GENESIS))
        batch_op.add_column(sa.Column('digest', sa.String(64), nullable=False,
                                      server_default=EMPTY_DIGEST))
        batch_op.add_column(sa.Column('flag', sa.String(24), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('audit_reanchor', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'hq_audit',
        sa.Column('store_id', Id, nullable=False),
        sa.Column('till_no', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(32), nullable=False),
        sa.Column('action', sa.String(40), nullable=False),
        sa.Column('subject', sa.String(64), nullable=False),
        sa.Column('detail_json', sa.Text(), nullable=False),
        sa.Column('hash', sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint('store_id', 'till_no', 'seq'),
    )
    conn = op.get_bind()
    streams = conn.execute(sa.text(
        "SELECT s.store_id, s.till_no, s.acked_seq, st.code FROM hq_streams s "
        "JOIN hq_stores st ON st.id = s.store_id")).all()
    for store_id, till_no, acked, code in streams:
        chain = GENESIS
        for (digest,) in conn.execute(sa.text(
                "SELECT digest FROM hq_events WHERE store_id = :s AND till_no = :t AND seq <= :a "
                "ORDER BY seq"), {"s": store_id, "t": till_no, "a": acked}):
            chain = chain_next(chain, digest)
        digest_value = EMPTY_DIGEST
        for member_id, p, b, pts in conn.execute(sa.text(
                "SELECT member_id, principal_fen, bonus_fen, points FROM hq_member_stores "
                "WHERE store_code = :c AND till_no = :t"), {"c": code, "t": till_no}):
            digest_value = fold(digest_value, add=member_hash(member_id, p, b, pts))
        conn.execute(sa.text("UPDATE hq_streams SET chain = :c, digest = :d "
                             "WHERE store_id = :s AND till_no = :t"),
                     {"c": chain, "d": digest_value, "s": store_id, "t": till_no})


def downgrade() -> None:
    op.drop_table('hq_audit')
    with op.batch_alter_table('hq_streams') as batch_op:
        for column in ('audit_reanchor', 'flag', 'digest', 'audit_hash', 'audit_seq', 'chain'):
            batch_op.drop_column(column)
