"""``bench``: the suites of ``order_completion.bench`` run on each database asked for,
their tables printed, and the summary of every figure against its target."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from order_completion.cli.common import console, errors

if TYPE_CHECKING:
    from order_completion.bench.measure import Result
    from order_completion.bench.suites import Options, SuiteRun

DATABASES = ("sqlite", "postgresql")


def bench(
    cases: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Orders per path and database, in every suite (timers and reads too, "
            "unless --timers or --scale is given) [default: 1000]",
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight")] = 8,
    database: Annotated[
        str, typer.Option(help="Comma-separated: sqlite, postgresql")
    ] = "sqlite,postgresql",
    suite: Annotated[
        str,
        typer.Option(
            help="Comma-separated: orders (B2C end to end, rows and bytes per case), delivery "
            "(webhooks), import (import-orders of --cases orders), inbound (--cases TMF622 "
            "events to serve, then duplicates), timers (deemed acceptances falling due "
            "together), reads (GET routes over --scale seeded cases), report (the KPI report over "
            "--scale seeded cases), scaleout (serve --workers 1 "
            "against 2 on PostgreSQL: --cases orders, --requests GETs over --scale cases)"
        ),
    ] = "orders,delivery",
    timers: Annotated[
        int | None,
        typer.Option(
            min=2, help="Timers falling due together (timers suite) [default: --cases or 10000]"
        ),
    ] = None,
    timer_rate: Annotated[
        float | None,
        typer.Option(help="Also measure due → fired lag with this many timers due per second"),
    ] = None,
    timer_seconds: Annotated[
        float, typer.Option(min=1, help="How long timers fall due at --timer-rate")
    ] = 20.0,
    timer_backlog: Annotated[
        int, typer.Option(min=0, help="Pending timers not yet due during the lag run")
    ] = 1_000_000,
    scale: Annotated[
        int | None,
        typer.Option(
            min=1, help="Cases seeded for the reads and report suites [default: --cases or 20000]"
        ),
    ] = None,
    connections: Annotated[
        int, typer.Option(min=1, help="Concurrent connections of the reads suite")
    ] = 32,
    requests: Annotated[
        int, typer.Option(min=1, help="Requests per read measured by the reads suite")
    ] = 2_000,
    postgres_url: Annotated[
        str, typer.Option(help="PostgreSQL server for throwaway bench databases")
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the results as Markdown to this file")
    ] = None,
) -> None:
    """Measure B2C orders end to end, webhook delivery, import-orders, inbound events, due
    timers and reads at scale, each beside a raw limit of the same run (raw inserts of the
    same rows; plain POSTs to the same receiver; a minimal app under the same server and
    client; the due query and a Core UPDATE of the same timers); then a summary of every
    figure against its target."""
    from order_completion.bench.suites import Options

    databases, suites = _chosen(database), _chosen(suite)
    _refuse_unknown(databases, suites)
    options = Options.sized(
        cases=cases,
        concurrency=concurrency,
        timers=timers,
        timer_rate=timer_rate,
        timer_seconds=timer_seconds,
        timer_backlog=timer_backlog,
        scale=scale,
        connections=connections,
        requests=requests,
    )
    _print(_measure(databases, suites, options, postgres_url), markdown)


def _chosen(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]


def _refuse_unknown(databases: list[str], suites: list[str]) -> None:
    from order_completion.bench.suites import SUITES

    unknown = sorted(set(databases) - set(DATABASES)) + sorted(set(suites) - set(SUITES))
    if unknown:
        errors.print(f"[red]Unknown database or suite:[/red] {', '.join(unknown)}")
        raise typer.Exit(2)


@dataclass
class Measured:
    """What the suites measured, in the order they ran."""

    results: dict[str, list[Result]]  # by suite title, every database's together
    runs: list[SuiteRun] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # of the database servers


def _measure(
    databases: list[str], suites: list[str], options: Options, postgres_url: str
) -> Measured:
    """Every suite on each database, in throwaway databases; a database that cannot be
    used is skipped with the reason."""
    import tempfile

    import httpx

    from order_completion.bench import b2c
    from order_completion.bench.suites import SUITES

    measured = Measured({SUITES[name].title: [] for name in suites})
    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "sqlite": b2c.sqlite_target(Path(folder)),
            "postgresql": b2c.postgres_target(postgres_url),
        }
        for name in databases:
            try:
                if name == "postgresql":
                    measured.versions[name] = asyncio.run(b2c.server_version(postgres_url))
                for chosen in suites:
                    run = asyncio.run(SUITES[chosen].run(targets[name], options, _say))
                    measured.results[SUITES[chosen].title] += run.results
                    measured.runs.append(run)
            except (OSError, RuntimeError, httpx.HTTPError) as error:
                errors.print(f"[yellow]{name} skipped:[/yellow] {error!r}")
    return measured


def _say(text: str) -> None:
    console.print(f"… {text}")


def _print(measured: Measured, markdown: Path | None) -> None:
    """Each suite's table, the merged grids, the summary, the notes and the machine; the
    same as Markdown when asked."""
    from order_completion.bench import report, summary

    runs = measured.runs
    for title, results in measured.results.items():
        _table(title, report.HEADERS, report.rows(results))
    grids = report.merged(grid for run in runs for grid in run.grids)
    overview = summary.grid([figure for run in runs for figure in run.figures])
    machine = report.hardware()
    for grid in [*grids, overview]:
        _table(grid.title, grid.headers, grid.rows)
    notes = [note for run in runs for note in run.notes]
    for note in notes:
        console.print(note)
    about = {**machine, **measured.versions}
    console.print(", ".join(f"{key}: {value}" for key, value in about.items()))
    if markdown is not None:
        command = " ".join(["order-completion", *sys.argv[1:]])
        text = report.markdown(
            dict(measured.results),
            command,
            machine,
            measured.versions,
            notes,
            summary=overview,
            grids=grids,
        )
        markdown.write_text(text)
        console.print(f"Written to {markdown}")


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*row)
    console.print(table)
