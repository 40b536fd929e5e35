"""Customer portal links: one row per case holding the generation its links must carry
(issuing a link that revokes the others moves it on).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_link",
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("completion_case.id", name="fk_customer_link_case_id_completion_case"),
            nullable=False,
        ),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("issued", sa.Integer, nullable=False),
        sa.Column("last_issued_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.PrimaryKeyConstraint("case_id", name="pk_customer_link"),
    )


def downgrade() -> None:
    op.drop_table("customer_link")
