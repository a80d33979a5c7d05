"""responses.answer_codes: each submitted response's answers in one short byte string

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Set when a response is submitted (format in ``assess.results.codes``), so the
results read one short row per response instead of every answer. Responses
submitted before this revision keep NULL: the results read those from their
answers, with the same numbers (``assess.results.statistics_sql``).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('responses', sa.Column('answer_codes', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('answer_codes')
