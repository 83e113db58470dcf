"""The programme KPIs' nightly figures (per store per day, and the figures that are not sums
of days), each refresh's run, and a partial index on the tier-change events the refresh reads

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TIER_CHANGES = "type = 'member_tier_changed'"


def upgrade() -> None:
    op.create_table(
        'hq_kpi_days',
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in (
            'sales', 'sales_fen', 'refunds', 'refunds_fen', 'active_30', 'active_90',
            'principal_fen', 'bonus_fen', 'points')),
        sa.PrimaryKeyConstraint('store_code', 'day'),
    )
    op.create_table(
        'hq_kpi_figures',
        sa.Column('store_code', sa.String(8), nullable=False),
        sa.Column('figure', sa.String(16), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(16), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('store_code', 'figure', 'first_day', 'last_day', 'dim'),
    )
    op.create_table(
        'hq_kpi_runs',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('through', sa.Date(), nullable=False),
        sa.Column('millis', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hq_events_tier_changes', 'hq_events', ['created_at'],
                    postgresql_where=sa.text(TIER_CHANGES), sqlite_where=sa.text(TIER_CHANGES))


def downgrade() -> None:
    op.drop_index('ix_hq_events_tier_changes', table_name='hq_events')
    op.drop_table('hq_kpi_runs')
    op.drop_table('hq_kpi_figures')
    op.drop_table('hq_kpi_days')
