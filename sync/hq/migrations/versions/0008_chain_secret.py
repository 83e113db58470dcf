"""The chain's secret that signs member and count-card QR codes, made once here: every till
takes it when it joins or is restored, so a QR code printed at one store is genuine at all

Revision ID: 0008
Revises: 0007
"""

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'hq_secrets',
        sa.Column('name', sa.String(16), nullable=False),
        sa.Column('value', sa.String(128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.bulk_insert(table, [{
        'name': 'qr', 'value': secrets.token_hex(32),
        'created_at': dt.datetime.now(dt.UTC).replace(tzinfo=None)}])


def downgrade() -> None:
    op.drop_table('hq_secrets')
