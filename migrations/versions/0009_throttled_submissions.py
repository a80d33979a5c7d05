"""open links: how many submissions were throttled

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

- ``links.throttled``: submissions through an open link refused for a minute
  because one source sent too many in a burst; the respondent keeps their answers
  and retries, the consultant sees the count on the engagement page.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('throttled', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_column('throttled')
