"""Indexes for the completion case list filters: each filter, then state, then the list
order, so pages and their exact counts are read from the index at any size.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str]] = {
    "ix_completion_case_created_id": ["created_at", "id"],
    "ix_completion_case_state_created": ["state", "created_at", "id"],
    "ix_completion_case_customer_state": ["customer_id", "state", "created_at", "id"],
    "ix_completion_case_policy_state": ["policy_id", "state", "created_at", "id"],
    "ix_completion_case_jeopardy_state": ["jeopardy", "state", "created_at", "id"],
    "ix_completion_case_category_state": ["order_category", "state", "created_at"],
    "ix_completion_case_updated_at": ["updated_at"],
    "ix_completion_case_completed_at": ["completed_at"],
    "ix_completion_case_start_of_service": ["start_of_service_date"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "completion_case", columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="completion_case")
