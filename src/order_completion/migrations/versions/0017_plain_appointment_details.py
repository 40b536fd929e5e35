"""A plain TMF646 appointment keeps what it was sent: the entities it relates to
(``appointment.related_entity``), a period with only its start (``end`` nullable), and no
case or category at all (``case_id`` and ``category`` nullable, where an empty string stood
for "none" before).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPOINTMENT = sa.table(
    "appointment",
    sa.column("case_id", sa.String),
    sa.column("category", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("related_entity", sa.JSON(none_as_null=True)))
        batch_op.alter_column("end", existing_type=UTCDateTime(), nullable=True)
        batch_op.alter_column("case_id", existing_type=sa.String(36), nullable=True)
        batch_op.alter_column("category", existing_type=sa.String(40), nullable=True)
    for column in ("case_id", "category"):
        op.execute(sa.update(APPOINTMENT).where(APPOINTMENT.c[column] == "").values({column: None}))


def downgrade() -> None:
    # Before this revision "no case" and "no category" were empty strings, and every
    # appointment had an end: one without is given its start (an instant).
    for column in ("case_id", "category"):
        op.execute(
            sa.update(APPOINTMENT).where(APPOINTMENT.c[column].is_(None)).values({column: ""})
        )
    op.execute('UPDATE appointment SET "end" = start WHERE "end" IS NULL')
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.alter_column("category", existing_type=sa.String(40), nullable=False)
        batch_op.alter_column("case_id", existing_type=sa.String(36), nullable=False)
        batch_op.alter_column("end", existing_type=UTCDateTime(), nullable=False)
        batch_op.drop_column("related_entity")
