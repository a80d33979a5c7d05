"""respondents: used flag on links, spent keys, mailings, submitted responses unlinked

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

- ``links.used_on`` (a date) becomes ``links.used`` (a flag): a personal link
  records only that it was used, so no day can be matched against a response's
  submission date.
- ``spent_keys``: the resume keys that have submitted; its primary key lets a key
  submit once, whatever the concurrency.
- ``mailings``: invitation batches and the reminder (counts and dates, never
  addresses), with at most one reminder per engagement and audience.
- ``responses``: a submitted response holds no resume key (CHECK).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('used', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text('UPDATE links SET used = (used_on IS NOT NULL)'))
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_column('used_on')
        batch_op.alter_column('used', server_default=None)

    op.execute(sa.text(
        "UPDATE responses SET resume_key_hash = NULL WHERE status = 'submitted'"
    ))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_responses_submitted_unlinked'),
            "status = 'in_progress' OR resume_key_hash IS NULL",
        )

    op.create_table('spent_keys',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_spent_keys'))
    )
    op.create_table('mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('staff', 'customer', name='audience', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.Enum('invitation', 'reminder', name='mailingkind', native_enum=False, length=20), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_mailings_engagement_id_engagements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailings'))
    )
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailings_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(
            'uq_mailings_one_reminder', ['engagement_id', 'audience'], unique=True,
            sqlite_where=sa.text("kind = 'reminder'"),
            postgresql_where=sa.text("kind = 'reminder'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_index('uq_mailings_one_reminder')
        batch_op.drop_index(batch_op.f('ix_mailings_engagement_id'))
    op.drop_table('mailings')
    op.drop_table('spent_keys')

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_responses_submitted_unlinked'), type_='check')

    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_on', sa.Date(), nullable=True))
    # The day a link was used was never kept; the day it was made stands in for it.
    op.execute(sa.text('UPDATE links SET used_on = created_on WHERE used'))
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_column('used')
