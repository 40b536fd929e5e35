"""Initial schema: cases, steps, items, milestones, history, outbox, timers, inbound events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 01:00:05.516060
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "completion_case",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_order_id", sa.String(length=200), nullable=False),
        sa.Column("order_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("order_category", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("customer_name", sa.String(length=400), nullable=True),
        sa.Column("product_order", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=400), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("jeopardy", sa.String(length=20), nullable=False),
        sa.Column("target_completion_date", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("start_of_service_date", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("held_since", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("learned_contacts", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("updated_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("completed_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("history_seq", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completion_case")),
        sa.UniqueConstraint("product_order_id", name=op.f("uq_completion_case_product_order_id")),
    )
    with op.batch_alter_table("completion_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_completion_case_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_completion_case_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_completion_case_jeopardy"), ["jeopardy"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_completion_case_policy_id"), ["policy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_completion_case_state"), ["state"], unique=False)

    op.create_table(
        "inbound_event",
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_inbound_event")),
    )
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_event_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "outbox_event",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("event_time", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("published_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox_event")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_event_case_id_sequence", ["case_id", "sequence"], unique=False
        )
        batch_op.create_index("ix_outbox_event_published_at", ["published_at"], unique=False)

    op.create_table(
        "timer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("due_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("fired_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timer")),
    )
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.create_index("ix_timer_case_id_state", ["case_id", "state"], unique=False)
        batch_op.create_index("ix_timer_state_due_at", ["state", "due_at"], unique=False)

    op.create_table(
        "acceptance_decision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("punch_list", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("decided_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_acceptance_decision_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acceptance_decision")),
    )
    with op.batch_alter_table("acceptance_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acceptance_decision_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_history",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("date", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(none_as_null=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_case_history_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_history")),
    )
    op.create_table(
        "case_milestone",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("date", order_completion.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_case_milestone_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_milestone")),
    )
    op.create_table(
        "case_order_item",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("offering_id", sa.String(length=200), nullable=True),
        sa.Column("offering_name", sa.String(length=400), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("active_from", order_completion.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_case_order_item_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("case_id", "item_id", name=op.f("pk_case_order_item")),
    )
    op.create_table(
        "case_step",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("after", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("config", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("started_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("due_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("completed_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["completion_case.id"], name=op.f("fk_case_step_case_id_completion_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_step")),
    )
    with op.batch_alter_table("case_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_step_case_id"), ["case_id"], unique=False)

    op.create_table(
        "commissioning_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("test_items", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("witnessed_by", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_commissioning_run_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioning_run")),
    )
    with op.batch_alter_table("commissioning_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commissioning_run_case_id"), ["case_id"], unique=False)

    op.create_table(
        "training_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("topics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("scheduled_start", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("scheduled_end", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("trainer", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("attendees", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attended", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("feedback_score", sa.Integer(), nullable=True),
        sa.Column("created_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("updated_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["completion_case.id"],
            name=op.f("fk_training_session_case_id_completion_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_session_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_case_id"))

    op.drop_table("training_session")
    with op.batch_alter_table("commissioning_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioning_run_case_id"))

    op.drop_table("commissioning_run")
    with op.batch_alter_table("case_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_step_case_id"))

    op.drop_table("case_step")
    op.drop_table("case_order_item")
    op.drop_table("case_milestone")
    op.drop_table("case_history")
    with op.batch_alter_table("acceptance_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acceptance_decision_case_id"))

    op.drop_table("acceptance_decision")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_index("ix_timer_state_due_at")
        batch_op.drop_index("ix_timer_case_id_state")

    op.drop_table("timer")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_published_at")
        batch_op.drop_index("ix_outbox_event_case_id_sequence")

    op.drop_table("outbox_event")
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_event_received_at"))

    op.drop_table("inbound_event")
    with op.batch_alter_table("completion_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_completion_case_state"))
        batch_op.drop_index(batch_op.f("ix_completion_case_policy_id"))
        batch_op.drop_index(batch_op.f("ix_completion_case_jeopardy"))
        batch_op.drop_index(batch_op.f("ix_completion_case_customer_id"))
        batch_op.drop_index(batch_op.f("ix_completion_case_created_at"))

    op.drop_table("completion_case")
