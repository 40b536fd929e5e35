"""Index the steps waiting now, by kind.

The metrics count the active steps by kind at every scrape. Without an index that meant
reading every step ever made (3.75 million rows at a million cases, about a second on
PostgreSQL); a partial index holds only the few steps each open case is waiting on.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("state = 'active'")


def upgrade() -> None:
    op.create_index(
        "ix_case_step_active_kind",
        "case_step",
        ["kind"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_case_step_active_kind", table_name="case_step")
