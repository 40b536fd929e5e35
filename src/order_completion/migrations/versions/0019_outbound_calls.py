"""Outbound calls: the work owed to other systems (product inventory, the product order,
the customer record, billing, messages to the customer), one row per call, tried by the
worker until it is done; a case's fallout flag (with a partial index of the few cases in
fallout), the acceptance certificate's hash, and the product id an order item got in the
product inventory; and what the service remembers of its peers (its registration at
order management's hub, how far it reconciled their orders).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from order_completion.database import JsonColumn, UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "outbound_call",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(300), nullable=False),
        sa.Column("payload", JsonColumn, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("result", JsonColumn),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("case_id", "purpose", name="uq_outbound_call_case_purpose"),
    )
    op.create_index(
        "ix_outbound_call_pending_due",
        "outbound_call",
        ["next_attempt_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )

    op.create_table(
        "peer_state",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", JsonColumn, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    # Columns are added and dropped in place: on SQLite a batch would rebuild the case
    # table, which the other tables' foreign keys refuse once it holds cases.
    op.add_column(
        "completion_case",
        sa.Column("in_fallout", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("completion_case", sa.Column("certificate_sha256", sa.String(64)))
    op.create_index(
        "ix_completion_case_in_fallout",
        "completion_case",
        ["created_at", "id"],
        postgresql_where=sa.text("in_fallout"),
        sqlite_where=sa.text("in_fallout"),
    )
    op.add_column("case_order_item", sa.Column("product_id", sa.String(200)))


def downgrade() -> None:
    op.drop_table("peer_state")
    op.drop_column("case_order_item", "product_id")
    op.drop_index("ix_completion_case_in_fallout", table_name="completion_case")
    op.drop_column("completion_case", "certificate_sha256")
    op.drop_column("completion_case", "in_fallout")
    op.drop_index("ix_outbound_call_pending_due", table_name="outbound_call")
    op.drop_table("outbound_call")
