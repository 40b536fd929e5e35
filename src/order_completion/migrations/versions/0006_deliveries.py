"""The delivery ledger, and delivery settings and secrets of hub subscriptions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 01:54:18.956797
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import order_completion.database
from order_completion.events.signing import new_secret

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("claimed_until", order_completion.database.UTCDateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", order_completion.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["hub_subscription.id"],
            name=op.f("fk_delivery_subscription_id_hub_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_delivery_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_delivery_subscription_id_created_at",
            ["subscription_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", order_completion.database.UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_delivery_attempt_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempt_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_delivery_attempt_started_at"), ["started_at"], unique=False
        )

    with op.batch_alter_table("hub_subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("style", sa.String(length=20), nullable=False, server_default="callback")
        )
        batch_op.add_column(
            sa.Column("secret", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_secret_until", order_completion.database.UTCDateTime(), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("max_in_flight", sa.Integer(), nullable=False, server_default="10")
        )
        batch_op.add_column(
            sa.Column("failing_since", order_completion.database.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("disabled_at", order_completion.database.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
    # Subscriptions registered before signing existed get a secret of their own now.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id FROM hub_subscription")).all()
    for (subscription_id,) in rows:
        bind.execute(
            sa.text("UPDATE hub_subscription SET secret = :secret WHERE id = :id"),
            {"secret": new_secret(), "id": subscription_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("hub_subscription", schema=None) as batch_op:
        batch_op.drop_column("disabled_reason")
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("failing_since")
        batch_op.drop_column("max_in_flight")
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")
        batch_op.drop_column("secret")
        batch_op.drop_column("style")

    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_started_at"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_delivery_id"))

    op.drop_table("delivery_attempt")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_subscription_id_created_at")
        batch_op.drop_index("ix_delivery_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_delivery_event_id"))

    op.drop_table("delivery")
