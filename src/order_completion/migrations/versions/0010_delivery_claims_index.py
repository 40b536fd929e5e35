"""Index the delivery leases: every claim counts the live ones of each subscription.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_delivery_claimed_until", "delivery", ["claimed_until"])


def downgrade() -> None:
    op.drop_index("ix_delivery_claimed_until", table_name="delivery")
