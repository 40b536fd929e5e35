"""Benchmark: deemed acceptances falling due together, fired by the timer worker, beside the
most the database itself could do with the same timer rows in the same run (the bare due
query and a Core UPDATE marking them fired); and, optionally, the lag from due to fired
while timers fall due at a steady rate over a large backlog of pending ones.

Seeding opens one real case through the handlers (default policy: notice, five business
days to accept, deemed afterwards, then the customer update), sends its reminder, and copies
its rows under new ids with Core inserts: the case, steps, items, milestones and its pending
timers. History, events and interactions are not copied: firing never reads them, and
copying them would only make seeding slower.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, or_, select, update

from order_completion.audit import Actor
from order_completion.bench.b2c import Target
from order_completion.bench.measure import Result
from order_completion.bootstrap import Services, build_services
from order_completion.cases.tables import CASES, ITEMS, STEPS
from order_completion.clock import Clock, FixedClock, SystemClock
from order_completion.database import Database
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.settings import Settings
from order_completion.timers.rules import TimerKind, TimerState
from order_completion.timers.service import TIMERS

BENCH = Actor("bench")
WINDOW_END = TimerKind.ACCEPTANCE_WINDOW_END.value
PENDING = TimerState.PENDING.value
FIRED = TimerState.FIRED.value
# A Monday morning: the five business days of the window are plain to follow.
OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROWS_PER_INSERT = 2000
BASELINE_BATCH = 200  # rows the baseline marks per transaction, as many as a worker batch
ONE_BY_ONE_SAMPLE = 2000  # firing one timer per transaction is slow: a sample tells its pace


def business_order(index: str) -> dict[str, Any]:
    """An order no specific policy claims, so the default policy (deemed acceptance) runs."""
    return {
        "id": f"BENCH-T-{index}",
        "category": "SMB",
        "state": "completed",
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": "FIBRE-1G", "name": "Business fibre 1 Gbit/s"},
            }
        ],
        "relatedParty": [{"id": f"CUST-{index}", "name": "Bench Business", "role": "customer"}],
    }


@dataclass(frozen=True)
class Template:
    """One real case, its rows table by table, and when its acceptance window ends."""

    case_id: str
    rows: Mapping[Table, Sequence[dict[str, Any]]]
    window_end: datetime


async def make_template(services: Services, clock: FixedClock) -> Template:
    """A case opened through the handlers whose reminder has been sent: what is left
    pending is the window end and the jeopardy warning and breach."""
    order = ProductOrder.model_validate(business_order(uuid.uuid4().hex[:8]))
    opened = await services.intake.open_case(services.uow(), OpenCase.by_operator(order, BENCH))
    due = await _pending_due(services.db, opened.case_id)
    clock.set(due[TimerKind.ACCEPTANCE_REMINDER.value] + timedelta(seconds=1))
    await services.timers.fire_due()
    rows: dict[Table, Sequence[dict[str, Any]]] = {}
    async with services.db.read() as session:
        for table, key in ((CASES, CASES.c.id), (STEPS, STEPS.c.case_id), (ITEMS, ITEMS.c.case_id)):
            rows[table] = _dicts(await session.execute(select(table).where(key == opened.case_id)))
        rows[TIMERS] = _dicts(
            await session.execute(
                select(TIMERS).where(TIMERS.c.case_id == opened.case_id, TIMERS.c.state == PENDING)
            )
        )
    return Template(opened.case_id, rows, due[WINDOW_END])


def _dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in result.mappings()]


async def _pending_due(db: Database, case_id: str) -> dict[str, datetime]:
    async with db.read() as session:
        result = await session.execute(
            select(TIMERS.c.kind, TIMERS.c.due_at).where(
                TIMERS.c.case_id == case_id, TIMERS.c.state == PENDING
            )
        )
        return {row.kind: row.due_at for row in result}


def _renamed(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every string that is a template id replaced, inside JSON too."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_renamed(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _renamed(item, ids) for key, item in value.items()}
    return value


def _template_ids(template: Template) -> list[str]:
    return [
        template.case_id,
        *(row["id"] for row in template.rows[STEPS]),
        *(row["id"] for row in template.rows[TIMERS]),
    ]


def copies(template: Template, count: int) -> Iterator[dict[Table, list[dict[str, Any]]]]:
    """``count`` copies of the template's rows, in groups of at most ROWS_PER_INSERT cases,
    each copy with new ids and its own product order id."""
    ids = _template_ids(template)
    order_id = template.rows[CASES][0]["product_order_id"]
    group: dict[Table, list[dict[str, Any]]] = {table: [] for table in template.rows}
    for index in range(count):
        renames = {old: str(uuid.uuid4()) for old in ids}
        renames[order_id] = f"{order_id}-{index}"
        for table, rows in template.rows.items():
            group[table].extend(
                {key: _renamed(value, renames) for key, value in row.items()} for row in rows
            )
        if (index + 1) % ROWS_PER_INSERT == 0 or index + 1 == count:
            yield group
            group = {table: [] for table in template.rows}


async def insert_copies(db: Database, template: Template, count: int) -> None:
    """Insert ``count`` copies of the template, one transaction per group."""
    for group in copies(template, count):
        async with db.transaction() as session:
            for table in (CASES, STEPS, ITEMS, TIMERS):
                if group.get(table):
                    await session.execute(insert(table), group[table])


async def insert_backlog(db: Database, case_id: str, count: int, after: datetime) -> None:
    """``count`` pending timers of one case, due over a year from the day after ``after``:
    the backlog the due query must not read."""
    for start in range(0, count, ROWS_PER_INSERT * 5):
        rows: list[dict[str, Any]] = [
            {
                "id": str(uuid.uuid4()),
                "case_id": case_id,
                "step_id": None,
                "kind": TimerKind.JEOPARDY_BREACH.value,
                "due_at": after + timedelta(days=1, seconds=(index * 31_536_000) // count),
                "state": PENDING,
                "payload": {},
                "created_at": after,
                "attempts": 0,
            }
            for index in range(start, min(count, start + ROWS_PER_INSERT * 5))
        ]
        async with db.transaction() as session:
            await session.execute(insert(TIMERS), rows)


async def count_fired(db: Database) -> int:
    async with db.read() as session:
        statement = select(func.count()).where(TIMERS.c.kind == WINDOW_END, TIMERS.c.state == FIRED)
        return int(await session.scalar(statement) or 0)


async def count_completed(db: Database) -> int:
    """Completed cases: cheap to count while the worker runs (the state is indexed)."""
    async with db.read() as session:
        statement = select(func.count()).where(CASES.c.state == "completed")
        return int(await session.scalar(statement) or 0)


async def drain(services: Services) -> float:
    """Run the timer worker until nothing is due; the seconds it took."""
    started = time.perf_counter()
    while await services.timers.fire_due():
        pass
    return time.perf_counter() - started


async def raw_due_and_update(db: Database, now: datetime, batch: int) -> int:
    """The database's own pace: the due query, then one UPDATE marking the rows fired,
    one transaction per batch; how many rows it marked."""
    marked = 0
    while True:
        async with db.transaction() as session:
            ids = list(
                await session.scalars(
                    select(TIMERS.c.id)
                    .where(
                        TIMERS.c.state == PENDING,
                        TIMERS.c.due_at <= now,
                        or_(TIMERS.c.retry_at.is_(None), TIMERS.c.retry_at <= now),
                    )
                    .order_by(TIMERS.c.due_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return marked
            await session.execute(
                update(TIMERS)
                .where(TIMERS.c.id.in_(ids))
                .values(state=FIRED, fired_at=now, result="raw")
            )
        marked += len(ids)


async def rearm(db: Database) -> None:
    """Put the fired window-end timers back to pending, for the baseline to mark again."""
    async with db.transaction() as session:
        await session.execute(
            update(TIMERS)
            .where(TIMERS.c.kind == WINDOW_END, TIMERS.c.state == FIRED)
            .values(state=PENDING, fired_at=None, result=None)
        )


Progress = Callable[[str], None]


def _services(url: str, clock: Clock) -> Services:
    return build_services(Settings(database_url=url), clock=clock)


@asynccontextmanager
async def due_together(target: Target, label: str, count: int) -> AsyncIterator[Services]:
    """Services on a fresh database holding ``count`` cases whose acceptance windows have
    just ended, by the services' clock."""
    url = await target.make(label)
    clock = FixedClock(OPENED)
    services = _services(url, clock)
    try:
        template = await make_template(services, clock)
        await insert_copies(services.db, template, count - 1)
        clock.set(template.window_end + timedelta(seconds=1))
        yield services
    finally:
        await services.close()
        await target.drop(url)


async def fire_all(services: Services, count: int) -> float:
    """Seconds the worker takes to fire the ``count`` window ends, checked afterwards."""
    seconds = await drain(services)
    fired = await count_fired(services.db)
    if fired != count:
        raise RuntimeError(f"{fired} of {count} window-end timers fired")
    return seconds


async def burst(target: Target, count: int, progress: Progress) -> list[Result]:
    """``count`` acceptance windows ending at the same moment: the worker fires them all,
    then the raw baseline marks the same rows on the same database; and, on a sample of
    its own, the worker firing one timer per transaction as it did before batches."""
    name = target.name
    progress(f"{name}: seeding {count} cases due together")
    async with due_together(target, "timers_burst", count) as services:
        progress(f"{name}: firing {count} timers")
        seconds = await fire_all(services, count)
        await rearm(services.db)
        progress(f"{name}: raw due query and update of the same rows")
        started = time.perf_counter()
        marked = await raw_due_and_update(services.db, services.clock.now(), BASELINE_BATCH)
        raw_seconds = time.perf_counter() - started
    sample = min(count, ONE_BY_ONE_SAMPLE)
    progress(f"{name}: {sample} timers one per transaction")
    async with due_together(target, "timers_single", sample) as services:
        services.timers.fire_many, services.timers.in_flight = None, 1
        single_seconds = await fire_all(services, sample)
    return [
        Result("deemed acceptances fired by the worker", name, count, seconds, []),
        Result("one timer per transaction (before batches)", name, sample, single_seconds, []),
        Result("due query + UPDATE of the same timers (baseline)", name, marked, raw_seconds, []),
    ]


async def steady(
    target: Target, rate: float, seconds: float, backlog: int, progress: Progress
) -> Result:
    """Timers falling due at ``rate`` per second for ``seconds``, among ``backlog`` pending
    ones due later, with the worker loop running on the real clock: due → fired lag."""
    url = await target.make("timers_steady")
    clock = FixedClock(SystemClock().now())
    services = _services(url, clock)
    count = max(1, round(rate * seconds))
    try:
        template = await make_template(services, clock)
        progress(f"{target.name}: seeding {count} cases and {backlog} pending timers")
        await insert_copies(services.db, template, count - 1)
        await insert_backlog(services.db, template.case_id, backlog, SystemClock().now())
        moments = await _run_steady(target, url, rate, count, progress)
    finally:
        await services.close()
        await target.drop(url)
    # From the first timer due to the last one fired: the pace the worker kept up.
    span = (max(fired for _, fired in moments) - min(due for due, _ in moments)).total_seconds()
    return Result(
        f"due → fired lag at {rate:g}/s over {backlog:,} pending",
        target.name,
        len(moments),
        span,
        [(fired - due).total_seconds() for due, fired in moments],
    )


async def _run_steady(
    target: Target, url: str, rate: float, count: int, progress: Progress
) -> list[tuple[datetime, datetime]]:
    """Stagger the window ends from two seconds on, run the worker loop until every case
    completed; each timer's due and fired moments."""
    services = _services(url, SystemClock())
    try:
        start = SystemClock().now() + timedelta(seconds=2)
        await _stagger(services.db, start, rate)
        progress(f"{target.name}: {count} timers due at {rate:g}/s")
        stop = asyncio.Event()
        loop = asyncio.create_task(services.worker.run(stop))
        while await count_completed(services.db) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        stop.set()
        await loop
        async with services.db.read() as session:
            result = await session.execute(
                select(TIMERS.c.due_at, TIMERS.c.fired_at).where(
                    TIMERS.c.kind == WINDOW_END, TIMERS.c.state == FIRED
                )
            )
            return [(row.due_at, row.fired_at) for row in result]
    finally:
        await services.close()


async def _stagger(db: Database, start: datetime, rate: float) -> None:
    """Spread the window-end timers so one falls due every 1/``rate`` seconds."""
    async with db.transaction() as session:
        ids = list(
            await session.scalars(
                select(TIMERS.c.id).where(TIMERS.c.kind == WINDOW_END, TIMERS.c.state == PENDING)
            )
        )
        await session.execute(
            update(TIMERS).where(TIMERS.c.id == bindparam("b_id")),
            [
                {"b_id": timer_id, "due_at": start + timedelta(seconds=index / rate)}
                for index, timer_id in enumerate(ids)
            ],
        )


async def bench_target(
    target: Target,
    count: int,
    progress: Progress,
    *,
    rate: float | None = None,
    seconds: float = 20.0,
    backlog: int = 0,
) -> list[Result]:
    results = await burst(target, count, progress)
    if rate:
        results.append(await steady(target, rate, seconds, backlog, progress))
    return results
