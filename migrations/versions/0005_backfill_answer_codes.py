"""Answer codes for every submitted response stored before they existed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Revision 0004 added ``responses.answer_codes`` and the writers fill it on
submission; responses submitted before that kept NULL and were read from their
answers by a second, SQL-only path. This revision computes their codes from
their answers, in batches (``assess.respondents.recording.backfill_answer_codes``),
so the results read codes only. Downgrading keeps the codes: they are derived
from the answers, which stay the record.
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The app's own encoder, so the codes are exactly those a submission writes.
    # It reads only columns that exist from revision 0004 on.
    from assess.respondents.recording import backfill_answer_codes

    count = backfill_answer_codes(op.get_bind())
    if count:
        print(f"Stored answer codes for {count:,} submitted responses.")


def downgrade() -> None:
    pass
