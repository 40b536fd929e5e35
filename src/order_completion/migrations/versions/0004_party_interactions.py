"""Party interactions (TMF683).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 01:23:28.155114
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "party_interaction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("channel", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("interaction_start", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("interaction_end", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("interaction_item", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("interaction_relationship", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("related_party", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("note", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("attachment", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("extension", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("creation_date", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("status_change_date", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("last_update", order_completion.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_interaction")),
    )
    with op.batch_alter_table("party_interaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_interaction_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_party_interaction_creation_date"), ["creation_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_party_interaction_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_party_interaction_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("party_interaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_interaction_status"))
        batch_op.drop_index(batch_op.f("ix_party_interaction_customer_id"))
        batch_op.drop_index(batch_op.f("ix_party_interaction_creation_date"))
        batch_op.drop_index(batch_op.f("ix_party_interaction_case_id"))

    op.drop_table("party_interaction")
