"""Slowing down password guessing on the sign-in form: the counts of failed sign-ins per
name and per client address, kept in the database so that every API process and a restart
see the same ones. ``rules`` decides; this reads and writes the rows, each command in its
own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.auth import rules
from order_completion.auth.rules import LIMITS, Counted, Failures
from order_completion.auth.tables import SignInFailure
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import TooManyRequests

THROTTLED = "too many failed sign-ins; try again after {when}"


class SignInThrottled(TooManyRequests):
    """429: this name's or this address's sign-ins are refused until ``retry_at``. The
    same refusal for a name that exists and one that does not."""

    def __init__(self, retry_at: datetime) -> None:
        when = retry_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        super().__init__(THROTTLED.format(when=when), retry_at=retry_at)


def _counters(name: str, address: str | None) -> dict[str, Counted]:
    counted = {rules.counter_key(Counted.NAME, name): Counted.NAME}
    if address:
        counted[rules.counter_key(Counted.ADDRESS, address)] = Counted.ADDRESS
    return counted


def _failures(row: SignInFailure) -> Failures:
    return Failures(row.failures, row.since, row.locked_until)


class SignInThrottle:
    """Check, count and clear the failed sign-ins of a name and an address."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def check(self, name: str, address: str | None) -> None:
        """``SignInThrottled`` while the name's or the address's sign-ins are refused."""
        now = self.clock.now()
        async with self.db.read() as session:
            rows = await session.scalars(
                select(SignInFailure).where(SignInFailure.key.in_(_counters(name, address)))
            )
            until = [rules.refused_until(_failures(row), now) for row in rows]
        latest = max((moment for moment in until if moment is not None), default=None)
        if latest is not None:
            raise SignInThrottled(latest)

    async def failed(self, name: str, address: str | None) -> None:
        """Count one failed sign-in for the name and the address (and forget counters whose
        window and lockout are over, so strangers' guesses do not pile up)."""
        now = self.clock.now()
        counters = _counters(name, address)
        async with self.db.transaction() as session:
            await _ensure(session, counters, now)
            rows = await session.scalars(
                select(SignInFailure)
                .where(SignInFailure.key.in_(counters))
                .with_for_update()  # concurrent failures of one name count one by one
            )
            for row in rows:
                counted = rules.after_failure(_failures(row), now, LIMITS[counters[row.key]])
                row.failures, row.since = counted.count, counted.since
                row.locked_until = counted.locked_until
            await session.execute(
                delete(SignInFailure).where(
                    SignInFailure.since <= now - rules.SIGN_IN_WINDOW,
                    or_(SignInFailure.locked_until.is_(None), SignInFailure.locked_until <= now),
                    SignInFailure.key.not_in(counters),
                )
            )

    async def succeeded(self, name: str) -> None:
        """A right password clears the name's failures (the address's stay counted: one
        good account does not buy an address more guesses at others)."""
        key = rules.counter_key(Counted.NAME, name)
        async with self.db.transaction() as session:
            await session.execute(delete(SignInFailure).where(SignInFailure.key == key))


async def _ensure(session: AsyncSession, counters: dict[str, Counted], now: datetime) -> None:
    """A row for every counter, created empty when it has none, so that the rows can be
    locked and counted alike (a concurrent first failure does not fail on the key)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {"key": key, "counted": counted.value, "failures": 0, "since": now, "locked_until": None}
        for key, counted in counters.items()
    ]
    statement = insert(SignInFailure).on_conflict_do_nothing(index_elements=["key"])
    await session.execute(statement, values)
