"""Forgetting outbound calls that ended long ago: a job of the worker's retention round,
in a transaction of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select

from order_completion.database import Database
from order_completion.outbound import store


async def prune_finished(
    db: Database, now: datetime, keep: timedelta, *, ended_cases: Select[Any]
) -> int:
    """Forget the calls of ``ended_cases`` that ended more than ``keep`` before ``now``;
    how many went. Calls of open cases stay: their rows keep the same work from being
    owed twice."""
    async with db.transaction() as session:
        return await store.prune(session, now - keep, ended_cases=ended_cases)
