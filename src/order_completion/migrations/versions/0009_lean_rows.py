"""Lean rows: the events of a unit of work in one outbox row, the history entries of a
unit of work in one history row, milestones inline on the case.

Existing rows are carried over: every old outbox event becomes a batch of one (whose id
is the event's id, so its deliveries find it), a case's old history entries become one
row, its milestones a list on the case.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = order_completion.database.UTCDateTime
CHUNK = 1000

case_table = sa.table(
    "completion_case", sa.column("id", sa.String), sa.column("milestones", sa.JSON)
)
old_milestones = sa.table(
    "case_milestone",
    sa.column("case_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("name", sa.String),
    sa.column("date", UTC_DATETIME),
)
old_history = sa.table(
    "case_history",
    sa.column("case_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("date", UTC_DATETIME),
    sa.column("action", sa.String),
    sa.column("step_id", sa.String),
    sa.column("actor", sa.String),
    sa.column("detail", sa.JSON),
)
new_history = sa.table(
    "case_history",
    sa.column("case_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("date", UTC_DATETIME),
    sa.column("entry_count", sa.Integer),
    sa.column("entries", sa.JSON),
)
old_outbox = sa.table(
    "outbox_event",
    sa.column("event_id", sa.String),
    sa.column("sequence", sa.Integer),
    sa.column("event_type", sa.String),
    sa.column("event_time", UTC_DATETIME),
    sa.column("case_id", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("published_at", UTC_DATETIME),
    sa.column("streamed_at", UTC_DATETIME),
)
new_outbox = sa.table(
    "outbox_batch",
    sa.column("id", sa.String),
    sa.column("case_id", sa.String),
    sa.column("sequence", sa.Integer),
    sa.column("event_time", UTC_DATETIME),
    sa.column("event_count", sa.Integer),
    sa.column("events", sa.JSON),
    sa.column("published_at", UTC_DATETIME),
    sa.column("streamed_at", UTC_DATETIME),
)
delivery = sa.table("delivery", sa.column("event_id", sa.String), sa.column("batch_id", sa.String))


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _insert(table: sa.TableClause, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        op.get_bind().execute(sa.insert(table), list(chunk))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _entry(row: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"date": _iso(row.date), "action": row.action}
    if row.step_id:
        entry["stepId"] = row.step_id
    if row.actor:
        entry["actor"] = row.actor
    if row.detail:
        entry["detail"] = row.detail
    return entry


def _milestones_inline() -> None:
    with op.batch_alter_table("completion_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("milestones", sa.JSON(none_as_null=True), nullable=True))
    reached: dict[str, list[dict[str, str]]] = defaultdict(list)
    query = sa.select(old_milestones).order_by(old_milestones.c.case_id, old_milestones.c.seq)
    for row in op.get_bind().execute(query):
        reached[row.case_id].append({"name": row.name, "date": row.date.isoformat()})
    for case_id, values in reached.items():
        op.get_bind().execute(
            sa.update(case_table).where(case_table.c.id == case_id).values(milestones=values)
        )
    op.drop_table("case_milestone")


def _history_gathered() -> None:
    by_case: dict[str, list[Any]] = defaultdict(list)
    query = sa.select(old_history).order_by(old_history.c.case_id, old_history.c.seq)
    for row in op.get_bind().execute(query):
        by_case[row.case_id].append(row)
    op.drop_table("case_history")
    op.create_table(
        "case_history",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("date", UTC_DATETIME(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entries", sa.JSON(none_as_null=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_case_history_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_history")),
    )
    _insert(
        new_history,
        [
            {
                "case_id": case_id,
                "seq": rows[0].seq,
                "date": rows[0].date,
                "entry_count": len(rows),
                "entries": [_entry(row) for row in rows],
            }
            for case_id, rows in by_case.items()
        ],
    )


def _outbox_gathered() -> None:
    op.create_table(
        "outbox_batch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event_time", UTC_DATETIME(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("events", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("published_at", UTC_DATETIME(), nullable=True),
        sa.Column("streamed_at", UTC_DATETIME(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_batch")),
    )
    with op.batch_alter_table("outbox_batch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_batch_case_id_sequence", ["case_id", "sequence"], unique=False
        )
        batch_op.create_index("ix_outbox_batch_published_at", ["published_at"], unique=False)
        batch_op.create_index("ix_outbox_batch_streamed_at", ["streamed_at"], unique=False)
    rows = op.get_bind().execute(sa.select(old_outbox)).all()
    _insert(
        new_outbox,
        [
            {
                "id": row.event_id,
                "case_id": row.case_id,
                "sequence": row.sequence,
                "event_time": row.event_time,
                "event_count": 1,
                "events": [row.payload],
                "published_at": row.published_at,
                "streamed_at": row.streamed_at,
            }
            for row in rows
        ],
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.String(length=36), nullable=True))
    op.get_bind().execute(sa.update(delivery).values(batch_id=delivery.c.event_id))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("batch_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index(batch_op.f("ix_delivery_batch_id"), ["batch_id"], unique=False)
    op.drop_table("outbox_event")


def upgrade() -> None:
    _milestones_inline()
    _history_gathered()
    _outbox_gathered()


class IrreversibleMigration(RuntimeError):
    """A revision whose downgrade is refused on purpose, with what to do instead."""


def downgrade() -> None:
    # The gathered rows could be split again, but a database going back before 0009 is a
    # release going back, for which a backup is the safe path; say so rather than guess.
    raise IrreversibleMigration(
        "0009 gathers rows together; going back would split them: restore a backup instead"
    )
