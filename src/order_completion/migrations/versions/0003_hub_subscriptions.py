"""Hub subscriptions of every API.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:19:27.320000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "hub_subscription",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("api", sa.String(length=40), nullable=False),
        sa.Column("callback", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("created_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_subscription")),
    )
    with op.batch_alter_table("hub_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_subscription_api"), ["api"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("hub_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_subscription_api"))

    op.drop_table("hub_subscription")
