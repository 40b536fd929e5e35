"""When each outbox event was published to NATS JetStream.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 02:04:17.355642
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("streamed_at", order_completion.database.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:

    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_column("streamed_at")
