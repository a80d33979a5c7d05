"""engagement files: logos and cached reports move into the database

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

- ``engagement_files``: an engagement's report logo and cached report PDFs (later
  the files a background import reads), with their media type, SHA-256 and bytes
  (``bytea`` on PostgreSQL). They were files in the instance folder named by
  engagement id alone, which every database pointed at that folder shared: a
  restored backup or a staging copy served another database's logo and reports.
  A row belongs to its engagement by a foreign key and goes with it (``ON DELETE
  CASCADE``).

Nothing is copied from the instance folder: which database a file there belonged
to cannot be told from its name, which is the fault being fixed. ``logos/`` and
``reports/`` in the instance folder are ignored from now on and may be deleted;
a logo is uploaded again on the engagement's page.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('engagement_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('logo', 'report', name='filekind', native_enum=False,
                              length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                            name=op.f('fk_engagement_files_engagement_id_engagements'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_files')),
    sa.UniqueConstraint('engagement_id', 'kind', 'key',
                        name=op.f('uq_engagement_files_engagement_id_kind_key'))
    )


def downgrade() -> None:
    op.drop_table('engagement_files')
