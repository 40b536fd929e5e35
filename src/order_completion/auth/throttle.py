"""Slowing down password guessing on the sign-in form: the counts of failed sign-ins per
name and per client address, kept in the database so that every API process and a restart
see the same ones. ``rules`` decides; this reads and writes the rows.

An attempt is counted, in one unit of work that holds the name's and the address's rows
locked, before its password is checked; so a burst of parallel guesses is counted one by
one and refused once the limit is reached, however many arrive at once. Rows are always
locked in key order, so that two sign-ins sharing a row wait for each other rather than
deadlock. Counters whose window and lockout are over are swept by the worker's retention
round (``forget_expired``), never inside a sign-in."""

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

    def __init__(self, retry_at: datetime, now: datetime) -> None:
        when = retry_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        wait = rules.retry_after_seconds(retry_at, now)
        super().__init__(THROTTLED.format(when=when), retry_after=wait)
        self.retry_at = retry_at


def _failures(row: SignInFailure) -> Failures:
    return Failures(row.failures, row.since, row.locked_until)


def _store(row: SignInFailure, failures: Failures) -> None:
    row.failures, row.since, row.locked_until = (
        failures.count,
        failures.since,
        failures.locked_until,
    )


class SignInThrottle:
    """Count a sign-in attempt of a name and an address, refusing it while either is
    locked; take it back when the password proves right. ``secret`` keys the stored digests
    (``rules.counter_secret``)."""

    def __init__(self, db: Database, clock: Clock, secret: bytes) -> None:
        self.db = db
        self.clock = clock
        self.secret = secret

    def _counters(self, name: str, address: str | None) -> dict[str, Counted]:
        counted = {rules.counter_key(Counted.NAME, name, self.secret): Counted.NAME}
        if address:
            counted[rules.counter_key(Counted.ADDRESS, address, self.secret)] = Counted.ADDRESS
        return counted

    async def attempt(self, name: str, address: str | None) -> None:
        """Count one attempt for the name and the address, or ``SignInThrottled`` (nothing
        counted) while either's sign-ins are refused. Called before the password is
        checked, so that no check runs while refused and concurrent attempts cannot all
        pass a count that none of them has raised yet."""
        now = self.clock.now()
        counters = self._counters(name, address)
        async with self.db.transaction() as session:
            rows = await _locked(session, counters, now)
            until = [rules.refused_until(_failures(row), now) for row in rows]
            latest = max((moment for moment in until if moment is not None), default=None)
            if latest is not None:
                raise SignInThrottled(latest, now)
            for row in rows:
                _store(row, rules.after_failure(_failures(row), now, LIMITS[counters[row.key]]))

    async def succeeded(self, name: str, address: str | None) -> None:
        """A right password clears the name's count and takes its attempt back from the
        address's (whose other failures stay counted: one good account does not buy an
        address more guesses at others)."""
        now = self.clock.now()
        counters = self._counters(name, address)
        async with self.db.transaction() as session:
            for row in await _locked(session, counters, now):
                kept = None
                if counters[row.key] is Counted.ADDRESS:
                    kept = rules.taken_back(_failures(row), LIMITS[Counted.ADDRESS])
                if kept is None:
                    await session.delete(row)
                else:
                    _store(row, kept)

    async def unlock(self, name: str) -> int:
        """Clear the name's counter, lifting its lockout: an administrator's way out when
        someone keeps a known name locked by guessing wrong on purpose. The addresses'
        counters stay. How many counters were cleared (a name nobody uses may have one
        too, and one that was never tried has none)."""
        key = rules.counter_key(Counted.NAME, name, self.secret)
        async with self.db.transaction() as session:
            done = await session.execute(delete(SignInFailure).where(SignInFailure.key == key))
            return int(getattr(done, "rowcount", 0) or 0)


async def forget_expired(db: Database, now: datetime) -> int:
    """Forget the counters whose window and lockout are over (so strangers' guesses do not
    pile up); how many went. A job of the worker's retention round: rows a sign-in holds
    right now are skipped, not waited for, and swept next time."""
    expired = (
        select(SignInFailure.key)
        .where(
            SignInFailure.since <= now - rules.SIGN_IN_WINDOW,
            or_(SignInFailure.locked_until.is_(None), SignInFailure.locked_until <= now),
        )
        .order_by(SignInFailure.key)
        .with_for_update(skip_locked=True)
    )
    async with db.transaction() as session:
        done = await session.execute(delete(SignInFailure).where(SignInFailure.key.in_(expired)))
        return int(getattr(done, "rowcount", 0) or 0)


async def _locked(
    session: AsyncSession, counters: dict[str, Counted], now: datetime
) -> list[SignInFailure]:
    """The rows of ``counters``, locked in key order for the rest of the unit of work;
    each is created empty first when it has none, so that the rows can be locked and
    counted alike (a concurrent first attempt does not fail on the key)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {"key": key, "counted": counters[key].value, "failures": 0, "since": now}
        for key in sorted(counters)
    ]
    statement = insert(SignInFailure).on_conflict_do_nothing(index_elements=["key"])
    await session.execute(statement, values)
    rows = await session.scalars(
        select(SignInFailure)
        .where(SignInFailure.key.in_(counters))
        .order_by(SignInFailure.key)
        .with_for_update()
    )
    return list(rows)
