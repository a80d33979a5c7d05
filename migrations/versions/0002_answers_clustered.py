"""answers and segment answers clustered by response (SQLite WITHOUT ROWID)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

On SQLite, ``answers`` and ``segment_answers`` become WITHOUT ROWID tables: the
rows are stored in primary key order (response, item), so reading a response's
answers with their values is one index range instead of an index range plus a
table lookup per answer. The tables shrink by about half and the results'
single pass over the answers takes about half the time. PostgreSQL: nothing
changes (its plans scan the table in parallel).

The tables are rebuilt (SQLite cannot change this in place); nothing refers to
them, so dropping the old copy cascades nothing.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _answers(name: str, *, clustered: bool) -> None:
    op.create_table(
        name,
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=100), nullable=False),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['response_id'], ['responses.id'],
            name='fk_answers_response_id_responses', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('response_id', 'item_id', name='pk_answers'),
        sqlite_with_rowid=not clustered,
    )


def _segment_answers(name: str, *, clustered: bool) -> None:
    op.create_table(
        name,
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column('option_id', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ['response_id'], ['responses.id'],
            name='fk_segment_answers_response_id_responses', ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('response_id', 'question_id', name='pk_segment_answers'),
        sqlite_with_rowid=not clustered,
    )


def _rebuild(*, clustered: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, create, columns in (
        ('answers', _answers, 'response_id, item_id, value'),
        ('segment_answers', _segment_answers, 'response_id, question_id, option_id'),
    ):
        create(f'{table}_rebuilt', clustered=clustered)
        op.execute(
            f'INSERT INTO {table}_rebuilt ({columns}) '
            f'SELECT {columns} FROM {table} ORDER BY 1, 2'
        )
        op.drop_table(table)
        op.rename_table(f'{table}_rebuilt', table)


def upgrade() -> None:
    _rebuild(clustered=True)


def downgrade() -> None:
    _rebuild(clustered=False)
