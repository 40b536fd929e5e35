"""Group commit for SQLite: units of work that arrive together share one transaction.

SQLite has one writer at a time, so writes in one process already queue on a lock. Each
commit costs more than most commands do (the WAL append, its fsync and, every thousand
pages, a checkpoint), so the writer commits once for everything that queued meanwhile:

- a unit of work takes the lock, joins the open transaction (starting one if there is
  none) inside a SAVEPOINT of its own, and runs; if it fails, its savepoint is rolled back
  and its caller gets its own error, while the others' work stays;
- a unit that finishes wakes the committer and gives the lock to the next one queued;
- the committer queues on the same lock, so it runs after every unit that was already
  waiting, commits them all at once and only then answers each of their callers.

A caller is answered after its changes are durable, as with a transaction of its own;
under no load the group is one unit, under load it grows with the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    AsyncTransaction,
    async_sessionmaker,
)


@dataclass
class _Group:
    connection: AsyncConnection
    transaction: AsyncTransaction
    committed: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit:
    """The writer of one process on one SQLite database; see the module docstring."""

    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._engine = engine
        self._sessions = sessions
        self._loop: asyncio.AbstractEventLoop | None = None
        self.units = 0  # units of work run, and commits made: their ratio is the group size
        self.commits = 0

    def _bind_to_running_loop(self) -> None:
        """Lock, wake-up and committer belong to one event loop (a CLI command or a test
        may run several loops one after the other)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._group: _Group | None = None
        self._committer = loop.create_task(self._commit_when_woken(), name="group-commit")

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncSession]:
        """A session for one unit of work, in its own savepoint of the shared transaction;
        leaving the block without an error waits until the group is committed."""
        self._bind_to_running_loop()
        async with self._lock:
            group = self._group = self._group or await self._open()
            self.units += 1
            session = self._sessions(
                bind=group.connection, join_transaction_mode="create_savepoint"
            )
            try:
                async with session.begin():
                    yield session
            finally:
                await session.close()
                self._wake.set()
        await asyncio.shield(group.committed)

    async def _open(self) -> _Group:
        connection = await self._engine.connect()
        try:
            transaction = await connection.begin()
        except BaseException:
            await connection.close()
            raise
        group = _Group(connection, transaction)
        # Every caller may have gone (cancelled); a failed commit must not be left unread.
        group.committed.add_done_callback(lambda f: f.cancelled() or f.exception())
        return group

    async def _commit_when_woken(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._lock:
                await self._commit_open_group()

    async def _commit_open_group(self) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        try:
            await group.transaction.commit()
        except Exception as error:  # every member's caller gets it; the writer goes on
            group.committed.set_exception(error)
            await group.connection.invalidate()
        else:
            self.commits += 1
            group.committed.set_result(None)
        finally:
            await group.connection.close()

    async def close(self) -> None:
        """Commit what is open and stop the committer (when the service shuts down)."""
        if self._loop is not asyncio.get_running_loop():
            return
        async with self._lock:
            await self._commit_open_group()
        self._committer.cancel()
