"""The sandbox's own SQLite file: one row per resource (the whole document as JSON, with its
id, lifecycle state and last update beside it, indexed, for the filters a client uses most)
and one row per hub registration. Tables are created at start; the file outlives restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from order_completion.database import JsonColumn, UTCDateTime, make_engine

metadata = MetaData()

resources = Table(
    "sandbox_resource",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # creation order for lists
    Column("kind", String(40), nullable=False),  # productOrder, product, customer
    Column("id", String(64), nullable=False),
    Column("state", String(60)),
    Column("last_update", UTCDateTime, nullable=False),
    Column("document", JsonColumn, nullable=False),
    UniqueConstraint("kind", "id", name="uq_sandbox_resource_kind_id"),
    Index("ix_sandbox_resource_state", "kind", "state"),
    Index("ix_sandbox_resource_last_update", "kind", "last_update"),
)

hubs = Table(
    "sandbox_hub",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("api", String(40), nullable=False, index=True),
    Column("callback", String(2000), nullable=False),
    Column("query", String(2000)),
    Column("delivery_style", String(20), nullable=False),
    Column("headers", JsonColumn),  # sent with each notification, e.g. Authorization
)


class Store:
    """Reads and writes of the sandbox file.

    Writers hold ``writing()`` from their read to their commit: one process serves the
    sandbox, so a lock is all that keeps two PATCHes of one resource from losing either.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Store:
        engine = make_engine(f"sqlite:///{path}", pool_size=2)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def add(self, kind: str, document: dict[str, Any], state: Any, moment: datetime) -> None:
        row = {"kind": kind, "id": document["id"], "document": document}
        async with self.engine.begin() as connection:
            await connection.execute(
                insert(resources).values(**row, state=_text(state), last_update=moment)
            )

    async def replace(
        self, kind: str, document: dict[str, Any], state: Any, moment: datetime
    ) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                update(resources)
                .where(resources.c.kind == kind, resources.c.id == document["id"])
                .values(document=document, state=_text(state), last_update=moment)
            )

    async def remove(self, kind: str, resource_id: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(resources).where(resources.c.kind == kind, resources.c.id == resource_id)
            )

    async def get(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as connection:
            document = await connection.scalar(
                select(resources.c.document).where(
                    resources.c.kind == kind, resources.c.id == resource_id
                )
            )
        return dict(document) if document is not None else None

    async def documents(
        self, kind: str, conditions: Sequence[ColumnElement[bool]]
    ) -> list[dict[str, Any]]:
        """Every document of ``kind`` meeting the SQL ``conditions``, oldest first."""
        statement = (
            select(resources.c.document)
            .where(resources.c.kind == kind, *conditions)
            .order_by(resources.c.seq)
        )
        async with self.engine.connect() as connection:
            return [dict(document) for document in await connection.scalars(statement)]

    async def add_hub(self, hub: dict[str, Any]) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(insert(hubs).values(**hub))

    async def remove_hub(self, api: str, hub_id: str) -> bool:
        async with self.engine.begin() as connection:
            removed = await connection.execute(
                delete(hubs).where(hubs.c.api == api, hubs.c.id == hub_id)
            )
        return bool(removed.rowcount)

    async def hubs_of(self, api: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(
                    hubs.c.id, hubs.c.callback, hubs.c.query, hubs.c.delivery_style, hubs.c.headers
                )
                .where(hubs.c.api == api)
                .order_by(hubs.c.seq)
            )
            return [dict(row._mapping) for row in rows]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
