"""A case's history entries stored zlib-compressed (``PackedJson``): they are written once
and read whole, and as JSON text they were most of what a completed case keeps at rest.

Existing rows are packed in place, a chunk at a time; the downgrade unpacks them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 1000


# The format as this revision wrote it (zlib over compact JSON), kept here so that a later
# change to ``database.PackedJson`` never changes what this migration does.
def pack(entries: Any) -> bytes:
    return zlib.compress(json.dumps(entries, separators=(",", ":")).encode(), 6)


def unpack(packed: bytes) -> Any:
    return json.loads(zlib.decompress(packed))


def _history(entries: sa.types.TypeEngine[Any], target: sa.types.TypeEngine[Any]) -> sa.TableClause:
    return sa.table(
        "case_history",
        sa.column("case_id", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("entries", entries),
        sa.column("converted", target),
    )


def _convert(
    source: sa.types.TypeEngine[Any],
    target: sa.types.TypeEngine[Any],
    change: Callable[[Any], Any],
) -> None:
    """Fill ``converted`` from ``entries`` for every row, walking the primary key."""
    table = _history(source, target)
    bind = op.get_bind()
    last: tuple[str, int] | None = None
    while True:
        query = sa.select(table.c.case_id, table.c.seq, table.c.entries).order_by(
            table.c.case_id, table.c.seq
        )
        if last is not None:
            query = query.where(sa.tuple_(table.c.case_id, table.c.seq) > sa.tuple_(*last))
        rows = bind.execute(query.limit(CHUNK)).all()
        if not rows:
            return
        bind.execute(
            table.update()
            .where(
                table.c.case_id == sa.bindparam("key_case"), table.c.seq == sa.bindparam("key_seq")
            )
            .values(converted=sa.bindparam("value")),
            [
                {"key_case": row.case_id, "key_seq": row.seq, "value": change(row.entries)}
                for row in rows
            ],
        )
        last = (rows[-1].case_id, rows[-1].seq)


def _swap(
    source: sa.types.TypeEngine[Any], target: sa.types.TypeEngine[Any], change: Callable[[Any], Any]
) -> None:
    with op.batch_alter_table("case_history") as batch:
        batch.add_column(sa.Column("converted", target, nullable=True))
    _convert(source, target, change)
    with op.batch_alter_table("case_history") as batch:
        batch.drop_column("entries")
        batch.alter_column("converted", new_column_name="entries", nullable=False)


def upgrade() -> None:
    _swap(sa.JSON(), sa.LargeBinary(), pack)


def downgrade() -> None:
    _swap(sa.LargeBinary(), sa.JSON(), unpack)
