"""Forgetting outbound calls that ended long ago: a job of the worker's retention round,
in a transaction of its own."""

from __future__ import annotations

from datetime import datetime, timedelta

from order_completion.database import Database
from order_completion.outbound import store


async def prune_finished(db: Database, now: datetime, keep: timedelta) -> int:
    """Forget the calls that ended more than ``keep`` before ``now``; how many went."""
    async with db.transaction() as session:
        return await store.prune(session, now - keep)
