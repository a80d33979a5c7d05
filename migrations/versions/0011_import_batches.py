"""import batches: an import can be removed as a whole

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

- ``import_batches``: one row per import (the engagement page's or ``assess
  responses import``) that stored responses: the file's name, the audience, who
  (the user, or the command line), when, and how many responses. An import that
  went into the wrong engagement could not be undone: the responses carried no
  trace of the file they came from.
- ``responses.import_batch_id`` (indexed): the batch a response came from, with
  ``ON DELETE CASCADE``, so deleting a batch deletes exactly its responses (and
  their answers, segment answers and comments, by their own cascades).

Responses imported before this migration keep ``import_batch_id`` NULL: which
file they came from was never recorded, so they cannot be removed as an import.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('staff', 'customer', name='audience', native_enum=False,
                                  length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('source', sa.Enum('page', 'command_line', name='importsource',
                                native_enum=False, length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                            name=op.f('fk_import_batches_engagement_id_engagements'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_import_batches_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_index(op.f('ix_import_batches_engagement_id'), 'import_batches',
                    ['engagement_id'], unique=False)
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_responses_import_batch_id'), ['import_batch_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_responses_import_batch_id_import_batches'),
                                    'import_batches', ['import_batch_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_responses_import_batch_id_import_batches'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_responses_import_batch_id'))
        batch_op.drop_column('import_batch_id')
    op.drop_index(op.f('ix_import_batches_engagement_id'), table_name='import_batches')
    op.drop_table('import_batches')
