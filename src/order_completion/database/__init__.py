"""Engines, the table base and the column types every feature shares.

SQLite runs in WAL mode, through the standard ``sqlite3`` module called inline
(``inline_sqlite.py``). Writes go through their own engine whose transactions open with
``BEGIN IMMEDIATE`` (two writers queue on the lock instead of failing when a reader tries to
upgrade), and, inside one process, through one writer that commits the units of work queued
together at once (``group_commit.py``); reads use a second engine without transactions,
which WAL lets run beside a writer: each statement reads one consistent snapshot, and a read
pays no ``BEGIN`` and ``ROLLBACK``. The read side therefore reads what it shows in one
statement where it matters. PostgreSQL uses one engine for both, one transaction per unit of
work. Plain PostgreSQL URLs (``postgresql://user@host:port/db``) are given the asyncpg
driver.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, FromClause, LargeBinary, MetaData, event, insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import JSON, TypeDecorator

from order_completion import json_codec
from order_completion.database import inline_sqlite
from order_completion.database.group_commit import GroupCommit

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; one metadata for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always handed back timezone-aware.

    SQLite has no time zones, so storing naive UTC everywhere keeps comparisons in SQL right
    on both databases.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


JsonColumn = JSON(none_as_null=True)


class PackedJson(TypeDecorator[Any]):
    """A JSON document stored zlib-compressed.

    For documents written once and always read whole, never searched in SQL: a case's
    history holds a dozen entries per change that repeat the same keys and step ids, and
    compressed it takes about a fifth of the space, which is most of what a completed case
    keeps at rest.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        return None if value is None else unpack(value)


def pack(value: Any) -> bytes:
    """A JSON document as ``PackedJson`` stores it."""
    return zlib.compress(json_codec.dumps(value), 6)


def unpack(packed: bytes) -> Any:
    return json_codec.loads(zlib.decompress(packed))


def normalise_url(url: str) -> str:
    """Give a database URL the async driver this service uses, keeping everything else."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, pool_size: int = 10, immediate: bool = True) -> AsyncEngine:
    """Build the engine for ``url``; on SQLite turn on WAL and, for writers, immediate
    transactions (``immediate=False`` gives the read engine, without transactions)."""
    async_url = normalise_url(url)
    if is_sqlite(async_url):
        _ensure_sqlite_folder(async_url)
        engine = create_async_engine(
            async_url,
            json_serializer=json_codec.dumps_text,
            json_deserializer=json_codec.loads,
            hide_parameters=True,  # see below
            async_creator=inline_sqlite.connector(make_url(async_url).database or ":memory:"),
            pool_size=pool_size,
            # Readers beyond the pool wait for a connection (each has its own page cache)
            # instead of growing the process.
            max_overflow=0 if not immediate else 10,
        )
        _configure_sqlite(engine, immediate=immediate)
        return engine
    return create_async_engine(
        async_url,
        json_serializer=json_codec.dumps_text,
        json_deserializer=json_codec.loads,
        # A failed statement's error names the statement, never its values: they hold
        # webhook secrets, token hashes and customers' personal data, and errors are logged.
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        # A pooled connection the server dropped (a restart, a failover, an idle timeout)
        # is replaced when checked out, instead of failing the request that draws it.
        pool_pre_ping=True,
    )


READ_CACHE_KB = 512


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Every commit reaches the disk before its callers are answered: group commit makes
        # that one fsync per group rather than per request.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=0")  # waits happen on the event loop instead
        cursor.execute("PRAGMA foreign_keys=ON")
        if not immediate:
            # Each reader keeps a small page cache of its own (SQLite's default is 2 MB per
            # connection): pages it misses come from the operating system's cache, and ten
            # readers no longer add 20 MB to the process.
            cursor.execute(f"PRAGMA cache_size=-{READ_CACHE_KB}")
        cursor.close()

    if not immediate:
        return  # the read engine: every statement on its own (see the module docstring)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _BufferingSession(Session):
    """A session that also writes rows buffered with ``append_row``."""


PENDING_ROWS = "pending_rows"


def append_row(session: AsyncSession, table: FromClause, row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table`` with this transaction, without an ORM object.

    Append-only rows (history, outbox events) are many per change and never read back in
    the same transaction; writing them as one multi-row insert per table at flush time
    costs a fraction of the ORM's per-object bookkeeping.
    """
    session.sync_session.info.setdefault(PENDING_ROWS, []).append((table, row))


def _write_pending(session: Session) -> None:
    pending: list[tuple[FromClause, dict[str, Any]]] = session.info.pop(PENDING_ROWS, [])
    if not pending:
        return
    by_table: dict[FromClause, list[dict[str, Any]]] = {}
    for table, row in pending:
        by_table.setdefault(table, []).append(row)
    connection = session.connection()
    for table, rows in by_table.items():
        connection.execute(insert(table), rows)  # type: ignore[arg-type]


@event.listens_for(_BufferingSession, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    _write_pending(session)


@event.listens_for(_BufferingSession, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()
    _write_pending(session)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=_BufferingSession)


class Database:
    """The engines of one database: ``transaction()`` for writes, ``read()`` for reads."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = make_sessionmaker(self.engine)
        if is_sqlite(url):
            self.read_engine = make_engine(url, pool_size=pool_size, immediate=False)
            self.writer: GroupCommit | None = GroupCommit(self.engine, self.sessions)
        else:
            self.read_engine = self.engine
            self.writer = None
        self.read_sessions = make_sessionmaker(self.read_engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit when the block ends, roll back when it raises. On
        SQLite the commit may be shared with units that ran just before or after
        (``group_commit.py``); the block ends once its changes are committed."""
        if self.writer is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self.writer.unit() as session:
            yield session

    def read(self) -> AsyncSession:
        """A session for reading; on SQLite it never blocks or waits for a writer."""
        return self.read_sessions()

    async def dispose(self) -> None:
        if self.writer is not None:
            await self.writer.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
