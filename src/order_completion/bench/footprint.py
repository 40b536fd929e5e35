"""What a case costs its database: the rows and bytes a run wrote per case, and the bytes
a completed case keeps once its events are relayed and past retention (its outbox batch
goes; the case, steps, items, history and party interaction stay for good).

SQLite sizes are the pages in use (``page_count * page_size``), per table (with its
indexes) from ``dbstat`` when SQLite was built with it; PostgreSQL sizes are
``pg_total_relation_size`` (table, TOAST and indexes). Sizes before a run and at rest are
taken after compaction (``VACUUM``, ``VACUUM FULL``): what the database holds once it has
reused the space retention freed, not how much of the file is still waiting for reuse.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import asyncpg

from order_completion.bench.plain import (
    TABLES,
    postgres_dsn,
    quoted,
    sqlite_connection,
    sqlite_path,
)
from order_completion.bootstrap import DERIVATIONS, Retention
from order_completion.clock import FixedClock, SystemClock
from order_completion.database import Database, is_sqlite
from order_completion.events.relay import relay_all
from order_completion.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """Rows per table, bytes per table (with its indexes) and bytes of the whole database;
    on SQLite also the bytes of the rows themselves per table, without the free space of
    their pages."""

    rows: Mapping[str, int]
    table_bytes: Mapping[str, int]
    total_bytes: int
    payload_bytes: Mapping[str, int] | None = None


@dataclass(frozen=True)
class TableShare:
    """One table's part of a case: rows written, bytes written, bytes kept at rest."""

    table: str
    rows: float
    written_bytes: float
    at_rest_bytes: float
    at_rest_payload: float | None


@dataclass(frozen=True)
class Footprint:
    """A database before a run of ``cases`` cases, just after it, and at rest."""

    cases: int
    empty: Snapshot
    written: Snapshot
    at_rest: Snapshot

    def _per_case(self, before: int, after: int) -> float:
        return (after - before) / self.cases if self.cases else 0.0

    @property
    def rows_per_case(self) -> float:
        return self._per_case(sum(self.empty.rows.values()), sum(self.written.rows.values()))

    @property
    def written_bytes_per_case(self) -> float:
        return self._per_case(self.empty.total_bytes, self.written.total_bytes)

    @property
    def at_rest_bytes_per_case(self) -> float:
        return self._per_case(self.empty.total_bytes, self.at_rest.total_bytes)

    @property
    def at_rest_payload_per_case(self) -> float | None:
        if self.empty.payload_bytes is None or self.at_rest.payload_bytes is None:
            return None
        return self._per_case(
            sum(self.empty.payload_bytes.values()), sum(self.at_rest.payload_bytes.values())
        )

    def _payload(self, table: str) -> float | None:
        if self.empty.payload_bytes is None or self.at_rest.payload_bytes is None:
            return None
        return self._per_case(
            self.empty.payload_bytes.get(table, 0), self.at_rest.payload_bytes.get(table, 0)
        )

    def by_table(self) -> list[TableShare]:
        """The tables the run wrote to, in insert order."""
        return [
            TableShare(
                table,
                self._per_case(self.empty.rows[table], self.written.rows[table]),
                self._per_case(
                    self.empty.table_bytes.get(table, 0), self.written.table_bytes.get(table, 0)
                ),
                self._per_case(
                    self.empty.table_bytes.get(table, 0), self.at_rest.table_bytes.get(table, 0)
                ),
                self._payload(table),
            )
            for table in TABLES
            if self.written.rows[table] != self.empty.rows[table]
        ]


async def measure(url: str, cases: int, fill: Callable[[], Awaitable[T]]) -> tuple[T, Footprint]:
    """Run ``fill`` (which writes ``cases`` cases and closes its connections) on the
    database at ``url`` and measure it before, after, and at rest."""
    await compact(url)
    empty = await snapshot(url)
    outcome = await fill()
    written = await snapshot(url)
    await past_retention(url)
    await compact(url)
    return outcome, Footprint(cases, empty, written, await snapshot(url))


async def snapshot(url: str) -> Snapshot:
    if is_sqlite(url):
        return await asyncio.to_thread(_sqlite_snapshot, url)
    return await _postgres_snapshot(url)


async def compact(url: str) -> None:
    """Give back the space of deleted rows, as a long-running database eventually reuses it."""
    if is_sqlite(url):
        await asyncio.to_thread(_sqlite_vacuum, url)
        return
    connection = await asyncpg.connect(postgres_dsn(url))
    try:
        await _wait_for_older_snapshots(connection)
        await connection.execute("VACUUM FULL " + ", ".join(quoted(name) for name in TABLES))
    finally:
        await connection.close()


async def _wait_for_older_snapshots(connection: asyncpg.Connection, seconds: float = 60) -> None:
    """Wait until no other session of the database holds a snapshot.

    VACUUM FULL keeps every row deleted after the oldest snapshot still open in the
    database (an autovacuum ANALYZE of the tables just written holds one while it runs),
    so the outbox rows retention had just deleted could be counted as kept at rest: some
    runs measured 4.5 KB of outbox a case at rest, others 0.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        holders = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
        )
        if not holders:
            return
        await asyncio.sleep(0.2)


async def past_retention(url: str) -> None:
    """Relay every event as the worker does, then run the worker's retention with a clock
    a day past the retention period (the default of ``ORDER_COMPLETION_DELIVERY_RETENTION_DAYS``
    or the one set)."""
    keep = timedelta(days=Settings(database_url=url).delivery_retention_days)
    database = Database(url)
    try:
        now = SystemClock().now()
        await relay_all(database, now, DERIVATIONS, batch=500)
        later = FixedClock(now + keep + timedelta(days=1))
        await Retention(database, later, keep).prune_hourly()
    finally:
        await database.dispose()


async def bytes_on_disk(url: str) -> int:
    """What the database takes on disk now, without counting anything: the SQLite file
    with its WAL, or the whole PostgreSQL database."""
    if is_sqlite(url):
        path = Path(sqlite_path(url))
        files = (path, path.with_name(f"{path.name}-wal"))
        return sum(file.stat().st_size for file in files if file.exists())
    connection = await asyncpg.connect(postgres_dsn(url))
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


def _sqlite_snapshot(url: str) -> Snapshot:
    with sqlite_connection(url) as connection:
        rows = {
            table: int(connection.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0])
            for table in TABLES
        }
        page_size = int(connection.execute("PRAGMA page_size").fetchone()[0])
        pages = int(connection.execute("PRAGMA page_count").fetchone()[0])
        sizes, payloads = _sqlite_table_bytes(connection)
        return Snapshot(rows, sizes, pages * page_size, payloads)


def _sqlite_table_bytes(
    connection: sqlite3.Connection,
) -> tuple[dict[str, int], dict[str, int] | None]:
    """Pages and row bytes of each table with its indexes, from ``dbstat``."""
    try:
        found = connection.execute(
            "SELECT m.tbl_name, sum(d.pgsize), sum(d.payload) FROM dbstat AS d "
            "JOIN sqlite_master AS m ON m.name = d.name GROUP BY m.tbl_name"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without the dbstat table
        return {}, None
    mine = [(str(name), int(size), int(payload)) for name, size, payload in found]
    return (
        {name: size for name, size, _ in mine if name in TABLES},
        {name: payload for name, _, payload in mine if name in TABLES},
    )


def _sqlite_vacuum(url: str) -> None:
    with sqlite_connection(url) as connection:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _postgres_snapshot(url: str) -> Snapshot:
    connection = await asyncpg.connect(postgres_dsn(url))
    try:
        rows = {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {quoted(table)}"))
            for table in TABLES
        }
        sizes = {
            str(record["relname"]): int(record["size"])
            for record in await connection.fetch(
                "SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        }
    finally:
        await connection.close()
    return Snapshot(rows, {table: sizes.get(table, 0) for table in TABLES}, sum(sizes.values()))
