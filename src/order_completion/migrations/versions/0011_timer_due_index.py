"""Index only the pending timers for the due query, with their retry time.

The worker asks for pending timers due by now, not waiting for a retry, earliest first.
The index it used held every timer ever made, fired and cancelled ones included, and
left the retry time to be read from each row. A partial index of pending timers on
(due_at, retry_at) stays as large as the timers still waiting, whatever the history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_timer_pending_due_at",
        "timer",
        ["due_at", "retry_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.drop_index("ix_timer_state_due_at", table_name="timer")


def downgrade() -> None:
    op.create_index("ix_timer_state_due_at", "timer", ["state", "due_at"])
    op.drop_index("ix_timer_pending_due_at", table_name="timer")
