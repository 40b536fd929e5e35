"""The suites of ``order-completion bench``. Each measures its paths on one database at a
time and says which figures of the summary it measured, and any table of its own. A new
suite is one entry of ``SUITES`` (and the options it reads, in ``Options``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from order_completion.bench import b2c, delivery, importing, inbound, kpi, reads, scaleout
from order_completion.bench import timers as timer_bench
from order_completion.bench.b2c import Target
from order_completion.bench.measure import Result
from order_completion.bench.report import Grid, is_baseline
from order_completion.bench.summary import Figure, Goal

DEFAULT_CASES = 1_000
DEFAULT_TIMERS = 10_000
DEFAULT_SCALE = 20_000


@dataclass(frozen=True)
class Options:
    """What the suites read from the command line."""

    cases: int
    concurrency: int
    timers: int = DEFAULT_TIMERS
    timer_rate: float | None = None
    timer_seconds: float = 20.0
    timer_backlog: int = 1_000_000
    scale: int = DEFAULT_SCALE
    connections: int = 32
    requests: int = 2_000

    @classmethod
    def sized(
        cls, *, cases: int | None, timers: int | None, scale: int | None, **rest: Any
    ) -> Options:
        """Options where ``--cases`` sizes every suite: the timers suite fires that many
        timers and the reads suite seeds that many cases, unless ``--timers`` or
        ``--scale`` says otherwise. Without ``--cases`` each suite keeps its own size."""
        return cls(
            cases=cases or DEFAULT_CASES,
            timers=timers or (max(cases, 2) if cases else DEFAULT_TIMERS),  # a burst is 2+
            scale=scale or cases or DEFAULT_SCALE,
            **rest,
        )


@dataclass
class SuiteRun:
    """What one suite measured on one database."""

    results: list[Result]
    figures: list[Figure] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


@dataclass(frozen=True)
class Suite:
    """A suite: the title of its table of paths, and how to run it on one database."""

    title: str
    run: Callable[[Target, Options, Progress], Coroutine[Any, Any, SuiteRun]]


async def orders(target: Target, options: Options, progress: Progress) -> SuiteRun:
    run = await b2c.bench_target(target, options.cases, options.concurrency, progress)
    return SuiteRun(
        run.results, b2c.figures(run, target.name), [b2c.footprint_grid(run, target.name)]
    )


async def deliveries(target: Target, options: Options, progress: Progress) -> SuiteRun:
    results = await delivery.bench_target(target, options.cases, progress)
    return SuiteRun(results, delivery_figures(results, target.name))


def delivery_figures(results: Sequence[Result], database: str) -> list[Figure]:
    """Deliveries of a drained backlog against plain POSTs to the same receiver, and the
    p95 from commit to first attempt (targets: 1,000/s and 200 ms)."""
    baseline = next((r for r in results if is_baseline(r)), None)
    drained = next((r for r in results if r.label.startswith("deliveries (backlog")), None)
    waited = next((r for r in results if r.label.startswith("commit → first attempt")), None)
    found = []
    if drained is not None:
        found.append(
            Figure(
                "webhook deliveries to a local receiver",
                database,
                drained.rate,
                "/s",
                Goal.at_least(1000),
                baseline.rate if baseline else None,
                "plain POSTs to the same receiver",
            )
        )
    if waited is not None:
        found.append(
            Figure(
                "commit → first delivery attempt, p95",
                database,
                waited.percentile(0.95),
                " ms",
                Goal.no_more_than(200),
            )
        )
    return found


async def imports(target: Target, options: Options, progress: Progress) -> SuiteRun:
    results = await importing.bench_target(target, options.cases, options.concurrency, progress)
    return SuiteRun(results, importing.figures(results, target.name))


async def inbound_events(target: Target, options: Options, progress: Progress) -> SuiteRun:
    run = await inbound.bench_target(target, options.cases, progress)
    return SuiteRun(run.results, inbound.figures(run, target.name))


async def due_timers(target: Target, options: Options, progress: Progress) -> SuiteRun:
    results = await timer_bench.bench_target(
        target,
        options.timers,
        progress,
        rate=options.timer_rate,
        seconds=options.timer_seconds,
        backlog=options.timer_backlog,
    )
    return SuiteRun(list(results))


async def reads_at_scale(target: Target, options: Options, progress: Progress) -> SuiteRun:
    run = await reads.bench_target(
        target, options.scale, options.connections, options.requests, progress
    )
    return SuiteRun(
        run.results,
        reads.figures(run, target.name, options.scale),
        notes=list(reads.memory_notes({target.name: run})),
    )


async def scale_out(target: Target, options: Options, progress: Progress) -> SuiteRun:
    run = await scaleout.bench_target(
        target,
        cases=options.cases,
        concurrency=options.concurrency,
        scale=options.scale,
        requests=options.requests,
        connections=options.connections,
        progress=progress,
    )
    return SuiteRun(run.results, run.figures, run.grids, run.notes)


async def kpi_report(target: Target, options: Options, progress: Progress) -> SuiteRun:
    results = await kpi.bench_target(target, options.scale, progress)
    return SuiteRun(results, kpi.figures(results, target.name, options.scale))


SUITES: dict[str, Suite] = {
    "orders": Suite("Consumer orders end to end", orders),
    "delivery": Suite("Webhook delivery", deliveries),
    "import": Suite("import-orders from an NDJSON file", imports),
    "inbound": Suite("Inbound TMF622 events over HTTP", inbound_events),
    "timers": Suite("Due timers (deemed acceptance)", due_timers),
    "reads": Suite("Reads over seeded cases", reads_at_scale),
    "scaleout": Suite("1 against 2 API processes on PostgreSQL", scale_out),
    "report": Suite("KPI report over seeded cases", kpi_report),
}
