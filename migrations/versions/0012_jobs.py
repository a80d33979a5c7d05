"""background jobs: imports and report renders that no page waits for

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

- ``jobs``: one row per background job (an import through the page, a report
  rendered ahead of time): its task and arguments, the engagement and the user,
  its state (queued, running, done, failed), progress, the outcome in words and
  in detail (an import's rejected cells), and when it was created, started, last
  beat and finished. Kept in the database, not in Redis, so every web host shows
  a job's page, and a job whose worker died is found (its heartbeat stops) and
  reported failed instead of lost. ``dedupe_key`` (unique) keeps two hosts from
  scheduling the same report render twice.
- ``engagements.changed_at``: when the engagement's row last changed (every
  revision bump sets it in the same UPDATE), so its report is rendered once it
  has been quiet a while. NULL for existing engagements: nothing is rendered
  ahead of time for them until they change again.

The uploaded files the imports read are rows of ``engagement_files`` of kind
``upload``: that column has no CHECK constraint, so the new kind needs nothing here.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=40), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate',
                               native_enum=False, length=20), nullable=False),
    sa.Column('progress_label', sa.String(length=200), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                            name=op.f('fk_jobs_engagement_id_engagements'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_jobs_dedupe_key'))
    )
    op.create_index(op.f('ix_jobs_engagement_id'), 'jobs', ['engagement_id'], unique=False)
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
    op.drop_index(op.f('ix_jobs_engagement_id'), table_name='jobs')
    op.drop_table('jobs')
