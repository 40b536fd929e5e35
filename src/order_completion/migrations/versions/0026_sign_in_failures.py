"""Sign-in throttling: the failed password sign-ins of each name and each client address,
counted in the database so every API process and a restart see the same count.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 21:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("counted", sa.String(10), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime()),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failure")),
    )
    op.create_index("ix_sign_in_failure_since", "sign_in_failure", ["since"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_since", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
