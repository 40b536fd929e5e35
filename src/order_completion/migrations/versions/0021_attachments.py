"""Attachments: files a case takes as evidence (test reports, photos, signed documents),
each row naming its bytes by their SHA-256 in the attachment store.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from order_completion.database import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("completion_case.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("evidence_of", sa.String(80)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200)),
    )
    op.create_index("ix_attachment_case_id", "attachment", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_case_id", table_name="attachment")
    op.drop_table("attachment")
