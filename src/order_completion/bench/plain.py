"""Plain driver connections to a benchmark database: the standard ``sqlite3`` module and
asyncpg, without SQLAlchemy, so that counting, sizing and raw inserts measure the database
and not the stack the service uses."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager

import asyncpg
from sqlalchemy.engine import make_url

from order_completion.database import is_sqlite
from order_completion.tables import metadata

# Every table of the schema, parents before children, so rows inserted in this order
# satisfy the foreign keys.
TABLES = tuple(table.name for table in metadata.sorted_tables)


def case_key(table: str) -> str | None:
    """The column that says which case a row belongs to, if the table has one."""
    if table == "completion_case":
        return "id"
    return "case_id" if "case_id" in metadata.tables[table].c else None


def sqlite_path(url: str) -> str:
    return make_url(url).database or ":memory:"


def postgres_dsn(url: str) -> str:
    """The URL as asyncpg takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def sqlite_connection(url: str) -> Iterator[sqlite3.Connection]:
    """A connection set up as the service sets up its own (WAL, ``synchronous=NORMAL``,
    foreign keys on), in autocommit mode so transactions are the caller's to open."""
    with closing(sqlite3.connect(sqlite_path(url), isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        yield connection


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def count(url: str, sql: str) -> int:
    """The number a ``SELECT count(*) …`` statement gives on either database."""
    if is_sqlite(url):

        def ask() -> int:
            with sqlite_connection(url) as connection:
                return int(connection.execute(sql).fetchone()[0])

        return await asyncio.to_thread(ask)
    connection = await asyncpg.connect(postgres_dsn(url))
    try:
        return int(await connection.fetchval(sql))
    finally:
        await connection.close()
