"""Seeding a million cases in minutes: clones of the rows of cases the real handlers opened,
written with the database's own driver.

The rows a clone starts from are read back as the database stored them (``raw.capture``):
the text of every JSON column (decompressed where it is stored compressed), SQLite's text of
every date, PostgreSQL's naive timestamps.
A clone changes only what must differ from one case to the next (its ids, its order, its
customer and its dates), so no value goes through SQLAlchemy, pydantic or a JSON encoder
again: per case the work is a few string replacements and date shifts, and each table is
written in bulk (``executemany`` on SQLite, binary ``COPY`` on PostgreSQL), a large chunk
of cases per transaction, into the tables and indexes the migrations created.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from order_completion.bench.plain import postgres_dsn, quoted, sqlite_path
from order_completion.bench.raw import TableRows
from order_completion.database import PackedJson, UTCDateTime, is_sqlite
from order_completion.tables import metadata

# Cases per transaction: large enough that the commit and the per-statement overhead
# vanish, small enough that a chunk's rows (a few hundred MB of Python objects at most)
# stay modest.
CASES_PER_CHUNK = 25_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Identity:
    """The values one seeded case is known by."""

    case_id: str
    order_id: str
    customer_id: str
    created_at: datetime  # naive UTC, as both databases store it

    def step_id(self, position: int) -> str:
        """The id of the case's ``position``-th step: computed from the case id, so that
        clones never share a step and the same seed gives the same ids."""
        number = uuid.UUID(self.case_id).int ^ (0x01 << 120)
        return str(uuid.UUID(int=(number + (position << 64)) % (1 << 128)))


@dataclass(frozen=True)
class _Clone:
    """What replaces a template's values in the rows of one clone."""

    tokens: dict[str, str]
    shift: timedelta


# Fills one cell of a clone's row from what the clone replaces.
_Fill = Callable[[_Clone], Any]


@dataclass(frozen=True)
class _RowPlan:
    """A stored row of a template: the cells every clone keeps, and how to fill the rest."""

    constant: tuple[Any, ...]
    varying: tuple[tuple[int, _Fill], ...]

    def row(self, clone: _Clone) -> tuple[Any, ...]:
        values = list(self.constant)
        for position, fill in self.varying:
            values[position] = fill(clone)
        return tuple(values)


@dataclass(frozen=True)
class _TablePlan:
    table: str
    columns: tuple[str, ...]
    rows: tuple[_RowPlan, ...]


@dataclass(frozen=True)
class Template:
    """One case the handlers opened, ready to be cloned: its rows table by table (parents
    first), and the values of its own that each clone replaces."""

    tables: tuple[_TablePlan, ...]
    created_at: datetime
    case_id: str
    order_id: str
    customer_id: str
    step_ids: tuple[str, ...]

    def clone(self, identity: Identity) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """The rows of the clone known by ``identity``, as ``(table, row)``."""
        tokens = {
            self.case_id: identity.case_id,
            self.order_id: identity.order_id,
            self.customer_id: identity.customer_id,
        }
        tokens.update(
            (step, identity.step_id(position)) for position, step in enumerate(self.step_ids)
        )
        clone = _Clone(tokens, identity.created_at - self.created_at)
        for plan in self.tables:
            for row in plan.rows:
                yield plan.table, row.row(clone)


def compile_template(case: Sequence[TableRows]) -> Template:
    """A template of the stored rows of one case. Its ids, order id and customer id are
    replaced wherever they stand in a clone's text, so they must be distinctive (the bench
    opens its templates with ids such as ``TEMPLATE-ORDER-1``): a template where one is part
    of another, or whose stored dates could not be written back alike, is refused."""
    by_table = {part.table: part for part in case}
    root = by_table["completion_case"]
    (case_row,) = (dict(zip(root.columns, row, strict=True)) for row in root.rows)
    order_id, customer_id = str(case_row["product_order_id"]), str(case_row["customer_id"])
    steps = by_table.get("case_step")
    step_ids = tuple(str(row[steps.columns.index("id")]) for row in steps.rows) if steps else ()
    tokens = (str(case_row["id"]), order_id, customer_id, *step_ids)
    for token in tokens:
        if any(token in other for other in tokens if other != token):
            raise ValueError(f"the template value {token!r} is part of another one")
    tables = tuple(
        _TablePlan(
            part.table,
            part.columns,
            tuple(_plan_row(part, row, tokens) for row in part.rows),
        )
        for name in TABLE_ORDER
        if (part := by_table.get(name)) is not None
    )
    return Template(
        tables,
        _naive(case_row["created_at"]),
        str(case_row["id"]),
        order_id,
        customer_id,
        step_ids,
    )


TABLE_ORDER = tuple(table.name for table in metadata.sorted_tables)


def _plan_row(part: TableRows, row: tuple[Any, ...], tokens: Sequence[str]) -> _RowPlan:
    table = metadata.tables[part.table]
    varying: list[tuple[int, _Fill]] = []
    for position, (column, value) in enumerate(zip(part.columns, row, strict=True)):
        if value is None:
            continue
        if isinstance(table.c[column].type, UTCDateTime):
            varying.append((position, _shifted(value)))
        elif isinstance(table.c[column].type, PackedJson):
            text = zlib.decompress(value).decode()
            if present := [t for t in tokens if t in text]:
                varying.append((position, _repacked(text, tuple(present))))
        elif isinstance(value, str) and (present := [t for t in tokens if t in value]):
            varying.append((position, _replaced(value, tuple(present))))
    return _RowPlan(tuple(row), tuple(varying))


def _shifted(stored: datetime | str) -> _Fill:
    """A date moved by the clone's shift, stored as the template's was: a naive timestamp
    (PostgreSQL), or SQLite's text with microseconds, checked against the stored text."""
    if isinstance(stored, datetime):
        return lambda clone: stored + clone.shift
    moment = datetime.fromisoformat(stored)
    if moment.isoformat(" ", "microseconds") != stored:
        raise ValueError(f"a stored date in a form the seeder does not write: {stored!r}")
    return lambda clone: (moment + clone.shift).isoformat(" ", "microseconds")


def _replaced(text: str, present: tuple[str, ...]) -> _Fill:
    def fill(clone: _Clone) -> str:
        result = text
        for token in present:
            result = result.replace(token, clone.tokens[token])
        return result

    return fill


def _repacked(text: str, present: tuple[str, ...]) -> _Fill:
    """A compressed JSON column (a case's history): its text replaced, then compressed
    again, as ``PackedJson`` stores it."""
    replaced = _replaced(text, present)
    return lambda clone: zlib.compress(replaced(clone).encode(), 6)


def _naive(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@dataclass(frozen=True)
class Chunk:
    """The rows of a run of clones, table by table in insert order."""

    columns: dict[str, tuple[str, ...]]
    rows: dict[str, list[tuple[Any, ...]]]
    cases: int


def chunk(templates: Sequence[Template], identities: Sequence[tuple[int, Identity]]) -> Chunk:
    """The rows of the clones ``identities`` name, each ``(index, identity)`` cloning the
    template ``index`` picks in turn."""
    columns = {plan.table: plan.columns for template in templates for plan in template.tables}
    rows: dict[str, list[tuple[Any, ...]]] = {
        table: [] for table in TABLE_ORDER if table in columns
    }
    for index, identity in identities:
        for table, row in templates[index % len(templates)].clone(identity):
            rows[table].append(row)
    return Chunk(columns, rows, len(identities))


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(quoted(column) for column in columns)
    return f"INSERT INTO {quoted(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"


@dataclass
class _Pace:
    """Says how far seeding has got, once per chunk."""

    label: str
    count: int
    progress: Progress
    began: float = 0.0
    done: int = 0

    def __post_init__(self) -> None:
        self.began = time.perf_counter()

    def advance(self, cases: int) -> None:
        self.done += cases
        seconds = time.perf_counter() - self.began
        rate = self.done / seconds if seconds else 0.0
        self.progress(
            f"{self.label}: seeded {self.done:,} of {self.count:,} cases "
            f"({seconds:.0f} s, {rate:,.0f} cases/s)"
        )


Chunks = Callable[[], Iterator[Chunk]]


def _ahead(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """``chunks``, each made in a thread while the one before is written: the driver
    leaves Python while the database works, and the next chunk is made meanwhile."""
    with ThreadPoolExecutor(1) as pool:
        upcoming = pool.submit(next, chunks, None)
        while (part := upcoming.result()) is not None:
            upcoming = pool.submit(next, chunks, None)
            yield part


def _seed_sqlite(url: str, chunks: Chunks, pace: _Pace) -> None:
    """Each chunk in one transaction on a connection of its own, without the fsyncs a
    throwaway file does not need (``synchronous=OFF``: a crash loses the seed, not the
    schema) and with a page cache large enough for the indexes being filled. The journal
    stays the WAL the service uses (a rollback journal saved about 15 %, but switching
    needs the file to itself)."""
    with closing(sqlite3.connect(sqlite_path(url), isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")  # 256 MB
        for part in _ahead(chunks()):
            connection.execute("BEGIN IMMEDIATE")
            for table, rows in part.rows.items():
                connection.executemany(_insert_sql(table, part.columns[table]), rows)
            connection.execute("COMMIT")
            pace.advance(part.cases)
        # No ANALYZE: the service never runs it, so its queries are planned without
        # statistics, and so are the bench's.


async def _seed_postgres(url: str, chunks: Chunks, pace: _Pace) -> None:
    """Each chunk in one transaction, one binary ``COPY`` per table; then ``VACUUM
    ANALYZE``, which a server with autovacuum on would run by itself soon after such a
    load: it sets the visibility map that lets counts and pages be read from the indexes
    alone, and gives the planner the statistics of the loaded tables."""
    connection = await asyncpg.connect(postgres_dsn(url))
    parts = chunks()
    # The next chunk is made in a thread while this one is copied, as ``_ahead`` does.
    upcoming = asyncio.ensure_future(asyncio.to_thread(next, parts, None))
    try:
        while (part := await upcoming) is not None:
            upcoming = asyncio.ensure_future(asyncio.to_thread(next, parts, None))
            async with connection.transaction():
                for table, rows in part.rows.items():
                    await connection.copy_records_to_table(
                        table, records=rows, columns=list(part.columns[table])
                    )
            pace.advance(part.cases)
        for table in TABLE_ORDER:
            await connection.execute(f"VACUUM (ANALYZE) {quoted(table)}")
    finally:
        upcoming.cancel()
        await connection.close()


async def seed(
    url: str,
    templates: Sequence[Template],
    identities: Callable[[int], Identity],
    count: int,
    progress: Progress,
    *,
    label: str = "seeding",
) -> None:
    """Write ``count`` clones of ``templates`` (in turn), the ``i``-th known by
    ``identities(i)``, a chunk of cases per transaction, saying how far it has got."""
    pace = _Pace(label, count, progress)

    def chunks() -> Iterator[Chunk]:
        for start in range(0, count, CASES_PER_CHUNK):
            stop = min(start + CASES_PER_CHUNK, count)
            yield chunk(templates, [(i, identities(i)) for i in range(start, stop)])

    if is_sqlite(url):
        await asyncio.to_thread(_seed_sqlite, url, chunks, pace)
    else:
        await _seed_postgres(url, chunks, pace)
