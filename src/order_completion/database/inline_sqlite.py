"""SQLite for the async engine without a thread hop per statement.

SQLAlchemy's ``sqlite+aiosqlite`` dialect talks to an aiosqlite connection, which runs every
call on a thread of its own and hands the result back through the event loop: about 1.5 ms
for an empty write transaction on a 2-core machine, for statements that take SQLite a few
microseconds. These classes give the dialect the same interface over the standard
``sqlite3`` module, called inline on the event loop's thread.

That is safe because SQLite statements are short: data are local, WAL lets readers run
beside the writer, and a commit's wait for the disk is shared by its whole group. The one
wait that can be long is another process holding a lock (the write lock, mostly, for a
``BEGIN IMMEDIATE``): connections run with no busy timeout, and a statement refused because
the database is locked sleeps on the event loop between tries, so other requests keep
being served. A refused statement did nothing, so trying it again is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

# How long a statement waits for another process's lock before giving up.
LOCK_WAIT_SECONDS = 30.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def _is_locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class InlineCursor:
    """An aiosqlite-shaped cursor over a ``sqlite3`` cursor."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = _FIRST_PAUSE
        while True:
            try:
                self._cursor.execute(sql, parameters)
                return self
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _CursorOpening:
    """What ``connection.cursor()`` returns in aiosqlite: awaitable, or entered with
    ``async with``."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> InlineCursor:
        return InlineCursor(self._connection)

    async def __aexit__(self, *_: object) -> None:
        return None


class _RunNow:
    """Stands in for aiosqlite's request queue: SQLAlchemy hands it a function to run on
    the connection's thread (setting the isolation level), which here is this thread."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InlineConnection:
    """An aiosqlite-shaped connection over a ``sqlite3`` connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection = connection  # aiosqlite's "still open" marker
        self._tx = _RunNow()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _CursorOpening:
        return _CursorOpening(self)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()
        self._connection = None  # type: ignore[assignment]

    def stop(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


def connector(path: str) -> Callable[[], Any]:
    """The ``async_creator`` for an engine on the SQLite file ``path``."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect
