"""Head office under abuse: refusals counted per store, reason and minute (bounded), and the
throttle for failed sign-ins and signatures.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hq_refusals') as batch_op:
        batch_op.add_column(sa.Column('count', sa.BigInteger(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('last_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('bucket', sa.String(80), nullable=True))
        batch_op.create_unique_constraint('uq_hq_refusals_bucket', ['bucket'])
    op.create_table(
        'hq_throttle',
        sa.Column('key', sa.String(80), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('hq_throttle')
    with op.batch_alter_table('hq_refusals') as batch_op:
        batch_op.drop_constraint('uq_hq_refusals_bucket', type_='unique')
        for column in ('bucket', 'last_at', 'count'):
            batch_op.drop_column(column)
