"""responses.furthest_saved: the highest page of a response in progress saved so far

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

A questionnaire page shown for the first time has nothing saved on it: knowing
the highest page saved, a respondent's page skips the query for its saved answers
(one statement fewer on most page views; docs/performance.md). NULL for the
responses already there: their pages ask, as before.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('responses') as batch_op:
        batch_op.add_column(sa.Column('furthest_saved', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('responses') as batch_op:
        batch_op.drop_column('furthest_saved')
