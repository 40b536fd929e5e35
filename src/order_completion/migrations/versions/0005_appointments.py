"""Appointments (TMF646); training sessions become appointments of category training.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 01:33:10.137753
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("end", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("related_place", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("related_party", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("contact_medium", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("note", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("attachment", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("calendar_event", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("topics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("trainer", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("attendees", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("attended", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("feedback_score", sa.Integer(), nullable=True),
        sa.Column("creation_date", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("last_update", order_completion.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_start"), ["start"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_step_id"), ["step_id"], unique=False)

    empty = "'[]'::json" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    op.execute(
        'INSERT INTO appointment (id, case_id, step_id, category, status, start, "end", '
        "related_party, contact_medium, note, attachment, topics, trainer, attendees, attended, "
        "feedback_score, creation_date, last_update) "
        "SELECT id, case_id, step_id, 'training', "
        "CASE state WHEN 'scheduled' THEN 'initialized' ELSE state END, scheduled_start, "
        f"scheduled_end, {empty}, {empty}, {empty}, {empty}, topics, trainer, attendees, "
        "attended, feedback_score, created_at, updated_at FROM training_session"
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_case_id"))

    op.drop_table("training_session")


def downgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.VARCHAR(length=36), nullable=False),
        sa.Column("case_id", sa.VARCHAR(length=36), nullable=False),
        sa.Column("step_id", sa.VARCHAR(length=36), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("scheduled_start", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("scheduled_end", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("trainer", sa.JSON(), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("state", sa.VARCHAR(length=20), nullable=False),
        sa.Column("attended", sa.JSON(), nullable=False),
        sa.Column("feedback_score", sa.INTEGER(), nullable=True),
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

    op.execute(
        "INSERT INTO training_session (id, case_id, step_id, topics, scheduled_start, "
        "scheduled_end, trainer, attendees, state, attended, feedback_score, created_at, "
        'updated_at) SELECT id, case_id, step_id, topics, start, "end", trainer, attendees, '
        "CASE WHEN status IN ('initialized', 'confirmed') THEN 'scheduled' ELSE status END, "
        "attended, feedback_score, creation_date, last_update FROM appointment "
        "WHERE category = 'training' AND step_id IS NOT NULL"
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_step_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_status"))
        batch_op.drop_index(batch_op.f("ix_appointment_start"))
        batch_op.drop_index(batch_op.f("ix_appointment_case_id"))

    op.drop_table("appointment")
