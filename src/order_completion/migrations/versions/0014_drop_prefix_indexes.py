"""Drop the single-column indexes of the completion case that 0012's composite indexes
begin with (``state``, ``customer_id``, ``policy_id``, ``jeopardy``, ``created_at``): every
query they served is served by the composite one, and each cost an index entry per case
written and kept (about 150 bytes a case at rest).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each dropped index, by the composite index of 0012 that starts with its column.
COVERED = {
    "ix_completion_case_state": "state",  # ix_completion_case_state_created
    "ix_completion_case_customer_id": "customer_id",  # ix_completion_case_customer_state
    "ix_completion_case_policy_id": "policy_id",  # ix_completion_case_policy_state
    "ix_completion_case_jeopardy": "jeopardy",  # ix_completion_case_jeopardy_state
    "ix_completion_case_created_at": "created_at",  # ix_completion_case_created_id
}


def upgrade() -> None:
    for name in COVERED:
        op.drop_index(name, table_name="completion_case")


def downgrade() -> None:
    for name, column in COVERED.items():
        op.create_index(name, "completion_case", [column])
