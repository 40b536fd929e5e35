"""Who each case waits for (``completion_case.waiting_for``, indexed for the list filter)
and when each API key was last used (``api_token.last_used_at``).

``waiting_for`` is derived from a case's active steps and written with every save; here
it is filled in for the cases that exist, by the rule as this revision knows it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 15:30:00
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_completion_case_waiting_state"
CHUNK = 1000

# Who an active step of each kind waits for, as this revision wrote it.
WAITER_OF = {
    "commissioningTest": "engineer",
    "acceptance": "customer",
    "training": "trainer",
    "satisfactionSurvey": "customer",
}


def _waiter(steps: Iterable[Any]) -> str:
    """The first waiting step of the case, blocking ones first, in policy order."""
    ordered = sorted(steps, key=lambda step: (not step.blocking, step.position))
    return WAITER_OF[ordered[0].kind]


def _fill() -> None:
    cases = sa.table(
        "completion_case",
        sa.column("id", sa.String),
        sa.column("state", sa.String),
        sa.column("waiting_for", sa.String),
    )
    steps = sa.table(
        "case_step",
        sa.column("case_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("state", sa.String),
        sa.column("blocking", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(steps.c.case_id, steps.c.kind, steps.c.blocking, steps.c.position)
        .join(cases, cases.c.id == steps.c.case_id)
        .where(
            cases.c.state == "active",
            steps.c.state == "active",
            steps.c.kind.in_(list(WAITER_OF)),
        )
        .order_by(steps.c.case_id)
    ).all()
    rows = [
        {"b_id": case_id, "waiting_for": _waiter(group)}
        for case_id, group in groupby(waiting, key=lambda step: step.case_id)
    ]
    statement = (
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("b_id"))
        .values(waiting_for=sa.bindparam("waiting_for"))
    )
    for start in range(0, len(rows), CHUNK):
        bind.execute(statement, rows[start : start + CHUNK])


def upgrade() -> None:
    op.add_column(
        "completion_case",
        sa.Column("waiting_for", sa.String(20), nullable=False, server_default="nobody"),
    )
    _fill()
    op.create_index(
        INDEX, "completion_case", ["waiting_for", "state", "created_at", "id"], unique=False
    )
    op.add_column("api_token", sa.Column("last_used_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("api_token", "last_used_at")
    op.drop_index(INDEX, table_name="completion_case")
    op.drop_column("completion_case", "waiting_for")
