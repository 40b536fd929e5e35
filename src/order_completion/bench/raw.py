"""The raw limits: the very rows a run wrote, read back and inserted again into a fresh
database of the same schema with nothing but the database's own driver: the standard
``sqlite3`` module, or asyncpg's ``executemany`` and ``COPY``. No SQLAlchemy, no service
code, no JSON encoding (the stored text is inserted as it is): what is left is what the
database itself costs for these rows, one case per transaction and 100 per transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from order_completion.bench.measure import Result, run_concurrently
from order_completion.bench.plain import (
    TABLES,
    case_key,
    postgres_dsn,
    quoted,
    sqlite_connection,
)
from order_completion.database import is_sqlite

# Rows of at most this many cases are kept in memory for the raw inserts: enough for a
# steady rate, few enough that a run of 100,000 orders does not hold every event it wrote.
SAMPLE_CASES = 5_000
BATCH_CASES = 100


@dataclass(frozen=True)
class TableRows:
    """Rows of one table as the database stores them, with their column names."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


# One case's rows, table by table in insert order.
CaseRows = list[TableRows]


async def capture(url: str, limit: int = SAMPLE_CASES) -> list[CaseRows]:
    """The rows of the first ``limit`` cases of the database, as stored."""
    if is_sqlite(url):
        return await asyncio.to_thread(_capture_sqlite, url, limit)
    return await _capture_postgres(url, limit)


def _first_cases(key: str, limit: int, placeholder: str) -> str:
    return (
        f"{quoted(key)} IN (SELECT id FROM completion_case "
        f"ORDER BY created_at, id LIMIT {placeholder})"
    )


def _group(
    order: Sequence[str], found: Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]
) -> list[CaseRows]:
    """Rows of every table, grouped by case in the order ``order`` lists the cases."""
    by_case: dict[str, CaseRows] = {case_id: [] for case_id in order}
    for table, columns, rows in found:
        key = columns.index(case_key(table) or "")
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            grouped.setdefault(str(row[key]), []).append(row)
        for case_id, case_rows in grouped.items():
            by_case[case_id].append(TableRows(table, columns, case_rows))
    return list(by_case.values())


def _keyed_tables() -> list[tuple[str, str]]:
    return [(table, key) for table in TABLES if (key := case_key(table)) is not None]


def _capture_sqlite(url: str, limit: int) -> list[CaseRows]:
    with sqlite_connection(url) as connection:
        order = [
            str(row[0])
            for row in connection.execute(
                "SELECT id FROM completion_case ORDER BY created_at, id LIMIT ?", (limit,)
            )
        ]

        def tables() -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
            for table, key in _keyed_tables():
                cursor = connection.execute(
                    f"SELECT * FROM {quoted(table)} WHERE {_first_cases(key, limit, '?')}",
                    (limit,),
                )
                columns = tuple(column[0] for column in cursor.description)
                yield table, columns, [tuple(row) for row in cursor]

        return _group(order, tables())


async def _capture_postgres(url: str, limit: int) -> list[CaseRows]:
    connection = await asyncpg.connect(postgres_dsn(url))
    try:
        order = [
            str(record[0])
            for record in await connection.fetch(
                "SELECT id FROM completion_case ORDER BY created_at, id LIMIT $1", limit
            )
        ]
        found: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = []
        for table, key in _keyed_tables():
            records = await connection.fetch(
                f"SELECT * FROM {quoted(table)} WHERE {_first_cases(key, limit, '$1')}", limit
            )
            if records:
                columns = tuple(records[0].keys())
                found.append((table, columns, [tuple(record.values()) for record in records]))
    finally:
        await connection.close()
    return _group(order, iter(found))


def batches(cases: Sequence[CaseRows], size: int) -> list[list[TableRows]]:
    """Cases ``size`` at a time, each batch as one list of rows per table in insert order."""
    result: list[list[TableRows]] = []
    for start in range(0, len(cases), size):
        merged: dict[str, TableRows] = {}
        for case in cases[start : start + size]:
            for part in case:
                if part.table in merged:
                    merged[part.table].rows.extend(part.rows)
                else:
                    merged[part.table] = TableRows(part.table, part.columns, list(part.rows))
        result.append([merged[table] for table in TABLES if table in merged])
    return result


def _insert_sql(part: TableRows, placeholders: Callable[[int], str]) -> str:
    columns = ", ".join(quoted(column) for column in part.columns)
    values = ", ".join(placeholders(index) for index in range(len(part.columns)))
    return f"INSERT INTO {quoted(part.table)} ({columns}) VALUES ({values})"


def insert_sqlite(
    url: str, cases: Sequence[CaseRows], per_transaction: int, label: str, database: str
) -> Result:
    """Insert the cases with ``sqlite3``, ``per_transaction`` cases per ``BEGIN IMMEDIATE …
    COMMIT``, one ``executemany`` per table; times each transaction."""
    work = batches(cases, per_transaction)
    latencies: list[float] = []
    with sqlite_connection(url) as connection:
        started = time.perf_counter()
        for batch in work:
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            for part in batch:
                connection.executemany(_insert_sql(part, lambda _: "?"), part.rows)
            connection.execute("COMMIT")
            latencies.append(time.perf_counter() - began)
        seconds = time.perf_counter() - started
    return Result(label, database, len(cases), seconds, latencies)


async def insert_postgres(
    url: str,
    cases: Sequence[CaseRows],
    per_transaction: int,
    concurrency: int,
    label: str,
    database: str,
) -> Result:
    """Insert the cases with asyncpg over ``concurrency`` connections, ``per_transaction``
    cases per transaction: one pipelined ``executemany`` per table for a single case,
    ``COPY`` per table for a batch."""
    pool = await asyncpg.create_pool(postgres_dsn(url), min_size=concurrency, max_size=concurrency)
    try:

        def job(batch: list[TableRows]) -> Callable[[], Awaitable[object]]:
            async def work() -> None:
                async with pool.acquire() as connection, connection.transaction():
                    for part in batch:
                        if per_transaction == 1:
                            sql = _insert_sql(part, lambda index: f"${index + 1}")
                            await connection.executemany(sql, part.rows)
                        else:
                            await connection.copy_records_to_table(
                                part.table, records=part.rows, columns=list(part.columns)
                            )

            return work

        jobs = [job(batch) for batch in batches(cases, per_transaction)]
        result = await run_concurrently(label, database, jobs, concurrency)
    finally:
        await pool.close()
    return Result(label, database, len(cases), result.seconds, result.latencies)


# Ends the label of every raw limit, so the report and the summary can tell them apart.
LIMIT = " (raw limit)"


def label(database: str, per_transaction: int) -> str:
    driver = "sqlite3" if database == "sqlite" else "asyncpg"
    how = "" if database == "sqlite" else (" executemany" if per_transaction == 1 else " COPY")
    unit = "1 case" if per_transaction == 1 else f"{per_transaction} cases"
    return f"{driver}{how}, {unit}/transaction{LIMIT}"


async def insert(
    url: str, cases: Sequence[CaseRows], per_transaction: int, concurrency: int, database: str
) -> Result:
    """The raw insert of ``cases`` on whichever database ``url`` names."""
    name = label(database, per_transaction)
    if is_sqlite(url):
        return await asyncio.to_thread(insert_sqlite, url, cases, per_transaction, name, database)
    return await insert_postgres(url, cases, per_transaction, concurrency, name, database)
