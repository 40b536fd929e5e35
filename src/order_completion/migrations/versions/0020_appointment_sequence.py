"""An appointment's invitation sequence (RFC 5545 ``SEQUENCE``).

Calendars keep the version of an invitation with the highest ``SEQUENCE``, so a moved or
re-statused appointment must carry a higher number than the invitation it replaces. The
number is kept on the row, grown by each move and each status change; appointments made
before this revision start at 0, as every invitation sent for them said.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sequence", sa.Integer, nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("sequence")
