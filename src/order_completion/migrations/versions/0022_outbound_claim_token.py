"""Outbound calls: each claim of a call carries a token of its own, so the answer of a
stale attempt (a worker whose lease ran out, or one from before an operator's retry
started the attempts over) is told from the current claim's.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place: no call is claimed without a token from now on, and a call held by
    # a worker of the previous version is taken again when its lease runs out.
    op.add_column("outbound_call", sa.Column("claim_token", sa.String(36)))


def downgrade() -> None:
    op.drop_column("outbound_call", "claim_token")
