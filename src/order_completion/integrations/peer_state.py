"""The store of ``peer_state`` rows: what the service remembers about the systems around it
between runs. Each function runs in its caller's session; the handler that calls it owns
the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.integrations.tables import PeerState


async def recalled(session: AsyncSession, name: str) -> dict[str, Any]:
    """What is remembered under ``name`` (nothing: an empty document)."""
    value = await session.scalar(select(PeerState.value).where(PeerState.name == name))
    return dict(value or {})


async def locked(session: AsyncSession, name: str, now: datetime) -> dict[str, Any]:
    """What is remembered under ``name``, its row created when absent and locked until the
    transaction ends, so processes that start together take their turns with it."""
    insert = _insert(session)
    await session.execute(
        insert(PeerState)
        .values(name=name, value={}, updated_at=now)
        .on_conflict_do_nothing(index_elements=[PeerState.name])
    )
    # SQLite has no row locks: its write transactions already run one at a time.
    value = await session.scalar(
        select(PeerState.value).where(PeerState.name == name).with_for_update()
    )
    return dict(value or {})


async def keep(session: AsyncSession, name: str, value: dict[str, Any], now: datetime) -> None:
    """Remember ``value`` under ``name``, in place of what was there."""
    insert = _insert(session)
    statement = insert(PeerState).values(name=name, value=value, updated_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[PeerState.name],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )


def _insert(session: AsyncSession) -> Any:
    """The insert of the session's database, which knows ``ON CONFLICT``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
