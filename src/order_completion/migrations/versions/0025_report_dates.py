"""The dates the KPI report measures, as columns of the case row: the first
ready-for-service notice (``completion_case.ready_for_service_at``) and readyForClosure
(``ready_for_closure_at``).

The report used to parse every case's milestone list for them, 35 to 60 µs a case: a
month of cases took seconds. The case's save writes both from now on; here they are
filled in for the cases that exist, from their milestones, a page of cases at a time so
that a database of millions of cases is never held in memory at once. The report also
joins each case to its acceptance, training and survey steps: the index on
``case_step (case_id)`` becomes one on ``(case_id, kind)``.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-27 21:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 5000
# A case's step of one kind, found on the index rather than among all its steps; it
# serves every lookup of a case's steps, so the index on ``case_id`` alone goes.
STEP_INDEX = "ix_case_step_case_kind"
OLD_STEP_INDEX = "ix_case_step_case_id"
# The milestones copied out, as this revision names them: column, milestone name.
COPIED = {
    "ready_for_service_at": "readyForServiceNotified",
    "ready_for_closure_at": "readyForClosure",
}

CASES = sa.table(
    "completion_case",
    sa.column("id", sa.String),
    sa.column("milestones", sa.JSON(none_as_null=True)),
    *(sa.column(name, UTCDateTime()) for name in COPIED),
)


def _first(milestones: Sequence[dict[str, Any]], name: str) -> datetime | None:
    """The earliest date of milestone ``name`` (dates are stored with their offset)."""
    dates = [datetime.fromisoformat(m["date"]) for m in milestones if m.get("name") == name]
    return min(dates, default=None)


def _fill() -> None:
    bind = op.get_bind()
    update = (
        sa.update(CASES)
        .where(CASES.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in COPIED})
    )
    after = ""
    while True:
        page = bind.execute(
            sa.select(CASES.c.id, CASES.c.milestones)
            .where(CASES.c.id > after, CASES.c.milestones.is_not(None))
            .order_by(CASES.c.id)
            .limit(PAGE)
        ).all()
        if not page:
            return
        rows = [
            {"b_id": case_id, **{name: _first(milestones, m) for name, m in COPIED.items()}}
            for case_id, milestones in page
        ]
        filled = [row for row in rows if any(row[name] for name in COPIED)]
        if filled:
            bind.execute(update, filled)
        after = page[-1].id


def upgrade() -> None:
    for name in COPIED:
        op.add_column("completion_case", sa.Column(name, UTCDateTime(), nullable=True))
    _fill()
    op.create_index(STEP_INDEX, "case_step", ["case_id", "kind"])
    op.drop_index(OLD_STEP_INDEX, table_name="case_step")


def downgrade() -> None:
    op.create_index(OLD_STEP_INDEX, "case_step", ["case_id"])
    op.drop_index(STEP_INDEX, table_name="case_step")
    for name in COPIED:
        op.drop_column("completion_case", name)
