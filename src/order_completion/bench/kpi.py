"""Benchmark: the KPI report over seeded cases. Seeds N cases straight into the case tables
(clones of cases the real handlers opened, as the reads suite does, 30 s apart, the last
one now), then times the report's statements through the report service, beside the raw
limit of the same run: counting the same period's cases on the start-of-service index, the
least any report over them must read.

The seeder moves every date column of a clone, the first ready-for-service notice and
readyForClosure the report reads included (not the dates inside its JSON, which the report
does not read), so each clone reports as its template would: the accepted clones are
consumer cases deemed accepted as they open (cycle time 0). What is measured is how long
the database takes to aggregate that many cases."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from order_completion.bench import reads
from order_completion.bench.b2c import Target
from order_completion.bench.measure import Result
from order_completion.bench.seeding import Progress
from order_completion.bench.summary import Figure, Goal
from order_completion.cases.tables import CASES
from order_completion.database import Database
from order_completion.reports.rules import GroupBy, Period
from order_completion.reports.service import kpi_report

REPEATS = 5
# A report a page asks for while someone waits: a month's cases, grouped by policy.
INTERACTIVE_GOAL_MS = 2_000.0


def periods(count: int) -> list[tuple[str, Period, GroupBy | None]]:
    """The reports timed: every seeded case by policy and by month, the last 30 days by
    policy, and one day overall."""
    now = datetime.now(UTC) + timedelta(minutes=1)
    everything = Period(now - reads.SPACING * (count + 2), now)
    month = Period(now - timedelta(days=30), now)
    day = Period(now - timedelta(days=1), now)
    return [
        ("every case, by policy", everything, GroupBy.POLICY),
        ("every case, by month", everything, GroupBy.MONTH),
        ("last 30 days, by policy", month, GroupBy.POLICY),
        ("last day, overall", day, None),
    ]


async def _timed(label: str, database: str, run: Callable[[], Awaitable[object]]) -> Result:
    latencies = []
    began = time.perf_counter()
    for _ in range(REPEATS):
        start = time.perf_counter()
        await run()
        latencies.append(time.perf_counter() - start)
    return Result(label, database, REPEATS, time.perf_counter() - began, latencies)


async def _count(db: Database, period: Period) -> int | None:
    """The raw limit: the period's cases counted on the start-of-service index."""
    counted = (
        select(func.count())
        .select_from(CASES)
        .where(
            CASES.c.start_of_service_date >= period.start,
            CASES.c.start_of_service_date < period.end,
        )
    )
    async with db.read() as session:
        return await session.scalar(counted)


async def _measure(db: Database, database: str, count: int) -> list[Result]:
    timed = periods(count)
    everything = timed[0][1]
    results = [
        await _timed("count every case (baseline)", database, lambda: _count(db, everything))
    ]
    for label, period, group_by in timed:
        report = functools.partial(kpi_report, db, period, group_by)
        results.append(await _timed(f"report {label}", database, report))
    return results


async def bench_target(target: Target, scale: int, progress: Progress) -> list[Result]:
    """Seed ``scale`` cases, then time each report on them."""
    progress(f"{target.name}: template cases through the real handlers")
    templates = await reads.template_cases(target)
    url = await target.make("report")
    try:
        progress(f"{target.name}: seeding {scale:,} cases")
        await reads.seed(url, templates, scale, lambda line: progress(f"{target.name}: {line}"))
        progress(f"{target.name}: seeded; timing the reports")
        db = Database(url)
        try:
            return await _measure(db, target.name, scale)
        finally:
            await db.dispose()
    finally:
        await target.drop(url)


def figures(results: list[Result], database: str, scale: int) -> list[Figure]:
    """The median time of each report, against the count of the same cases."""
    baseline = next((r for r in results if r.label.endswith("(baseline)")), None)
    return [
        Figure(
            f"KPI {result.label} at {scale:,} cases, median",
            database,
            result.percentile(0.5),
            " ms",
            Goal.no_more_than(INTERACTIVE_GOAL_MS) if "30 days" in result.label else None,
            baseline.percentile(0.5) if baseline else None,
            "count of every seeded case on the index",
            decimals=1,
        )
        for result in results
        if result.label.startswith("report")
    ]
