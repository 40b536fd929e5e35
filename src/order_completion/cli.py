"""The ``order-completion`` command: serve, worker, migrate, import-orders, policy check,
bench, tokens, resealing hub secrets, and the sandbox peers.

Heavy modules are imported inside each command so that ``--help`` stays fast.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from order_completion import __version__
from order_completion.bootstrap import Services, build_services
from order_completion.settings import Settings

if TYPE_CHECKING:
    from order_completion.auth.handlers import TokenCommands

T = TypeVar("T")

app = typer.Typer(
    help="Complete Customer Order (eTOM 1.3.3.4) as a service.",
    no_args_is_help=True,
    add_completion=False,
)
policy_app = typer.Typer(help="Work with completion policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
secrets_app = typer.Typer(help="Manage the keys sealing hub signing secrets.", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")
console = Console()
errors = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    """Read the settings, or exit naming the variable that is wrong."""
    from pydantic import ValidationError

    values = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**values)
    except ValidationError as error:
        for problem in error.errors():
            name = f"ORDER_COMPLETION_{str(problem['loc'][0]).upper()}"
            message = str(problem["msg"]).removeprefix("Value error, ")
            errors.print(f"[red]Invalid setting {name}:[/red] {message}", soft_wrap=True)
        raise typer.Exit(2) from error


def _services(settings: Settings) -> Services:
    """Build the services, or exit with the policy problem a user must fix."""
    from order_completion.policies.loader import PolicyError

    try:
        return build_services(settings)
    except PolicyError as error:
        errors.print(f"[red]Policy refused:[/red]\n{error}", soft_wrap=True)
        raise typer.Exit(2) from error


def _migrate(settings: Settings) -> None:
    """Bring the schema up to date, or exit saying why the database cannot be used."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from order_completion import migrate as migrations

    try:
        migrations.upgrade(settings)
    except (OSError, SQLAlchemyError) as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        errors.print(f"[red]Cannot use the database {where}:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    demo: Annotated[bool, typer.Option(help="Load sample orders left in varied states")] = False,
    worker: Annotated[bool, typer.Option(help="Run the timer worker in this process")] = True,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes (more than one needs PostgreSQL)")
    ] = 1,
) -> None:
    """Migrate the database, then serve the API with the worker."""
    import uvicorn

    from order_completion import logs
    from order_completion.app import RUN_WORKER_ENV, create_app
    from order_completion.database import is_sqlite

    settings = _settings(host=host, port=port)
    if workers > 1 and is_sqlite(settings.database_url):
        errors.print(
            "[red]--workers needs PostgreSQL:[/red] SQLite has one writer per file; one serve "
            "process commits concurrent requests together. Set ORDER_COMPLETION_DATABASE_URL "
            "to a PostgreSQL database to run several API processes.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if demo and not settings.callback_allowlist:
        # The demo's listeners run on this machine; production never allows loopback by default.
        settings = settings.model_copy(update={"callback_allowlist": "127.0.0.1,::1"})
        console.print("Demo: callbacks to 127.0.0.1 and ::1 are allowed")
    logs.configure(settings.log_level)
    _migrate(settings)
    if demo:
        asyncio.run(_load_demo(settings))
    services = _services(settings)
    console.print(
        f"Order Completion {__version__} on http://{settings.host}:{settings.port} "
        f"({workers} API process{'es' if workers > 1 else ''}, "
        f"{'with' if worker else 'without'} worker)"
    )
    if workers > 1:
        # Each process builds its own services from the environment; policies were checked
        # above, so a bad one stops here rather than in every process.
        asyncio.run(services.close())
        os.environ[RUN_WORKER_ENV] = "1" if worker else "0"
        # What serve decided beyond the environment (the demo's loopback callbacks).
        if settings.callback_allowlist:
            os.environ["ORDER_COMPLETION_CALLBACK_ALLOWLIST"] = settings.callback_allowlist
        uvicorn.run(
            "order_completion.app:app_from_environment",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=False,  # the app writes its own access log (with request ids)
            log_config=None,  # keep the JSON lines logs.configure set up
        )
        return
    uvicorn.run(
        create_app(services, run_worker=worker),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
    )


async def _load_demo(settings: Settings) -> None:
    from order_completion.auth.handlers import TokenCommands
    from order_completion.demo import load_demo

    services = _services(settings)
    try:
        created = await load_demo(services)
        console.print(f"Demo data: {created} new cases")

        name = f"demo-admin-{services.clock.now().strftime('%Y%m%d%H%M%S%f')}"
        token = await TokenCommands(services.db, services.clock).create(name=name, role="admin")
        console.print(f"Demo admin token: {token}", soft_wrap=True)
    finally:
        await services.close()


@app.command()
def worker() -> None:
    """Run only the worker (timers); several may share one PostgreSQL database."""
    from order_completion import logs

    settings = _settings()
    logs.configure(settings.log_level)
    _migrate(settings)
    services = _services(settings)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await services.worker.run(stop)
        finally:
            await services.close()

    asyncio.run(run())


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    _migrate(_settings())
    console.print("Database is up to date.")


@app.command("import-orders")
def import_orders(
    path: Annotated[
        Path,
        typer.Argument(
            help="A TMF622 order, a JSON list of them, or NDJSON (one order per line)",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Open a case for every order, even one in no trigger state"),
    ] = False,
) -> None:
    """Open a completion case for every product order in a file (in a trigger state,
    as for the listener, unless --force)."""
    from order_completion import imports, logs

    settings = _settings()
    logs.configure("warning")
    try:
        documents = imports.read_documents(path)
    except (OSError, UnicodeDecodeError) as error:
        errors.print(f"[red]Cannot read {path}:[/red] {error}")
        raise typer.Exit(2) from error
    _migrate(settings)
    services = _services(settings)

    async def run() -> imports.ImportSummary:
        columns = (TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("orders", total=len(documents))
                return await imports.import_orders(
                    services, documents, advance=lambda: progress.advance(task), force=force
                )
        finally:
            await services.close()

    summary = asyncio.run(run())
    console.print(
        f"created {summary.created}, duplicate {summary.duplicate}, "
        f"rejected {len(summary.rejected)}"
    )
    if summary.rejected:
        for rejection in summary.rejected:
            named = f"order {rejection.order_id}" if rejection.order_id else "no order id"
            line = f"rejected {rejection.where} ({named}): {rejection.reason}"
            console.print(line, soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1)


@policy_app.command("check")
def policy_check(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files to validate")],
) -> None:
    """Validate policy files; print each problem with its file and path."""
    from order_completion.policies.loader import PolicyError, load_file

    failed = False
    for path in files:
        try:
            policy = load_file(path)
        except PolicyError as error:
            failed = True
            errors.print(f"[red]✗[/red] {error}", soft_wrap=True)
        else:
            console.print(
                f"[green]✓[/green] {path}: {policy.id} v{policy.version} "
                f"({len(policy.steps)} steps)",
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(1)


@app.command()
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
            "together), reads (GET routes over --scale seeded cases), scaleout (serve --workers 1 "
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
        typer.Option(min=1, help="Cases seeded for the reads suite [default: --cases or 20000]"),
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
    import sys
    import tempfile

    import httpx

    from order_completion.bench import b2c, report, summary
    from order_completion.bench.measure import Result
    from order_completion.bench.suites import SUITES, Options, SuiteRun

    wanted = [name.strip() for name in database.split(",") if name.strip()]
    suites = [name.strip() for name in suite.split(",") if name.strip()]
    unknown = sorted(set(wanted) - {"sqlite", "postgresql"}) + sorted(set(suites) - set(SUITES))
    if unknown:
        errors.print(f"[red]Unknown database or suite:[/red] {', '.join(unknown)}")
        raise typer.Exit(2)
    results: dict[str, list[Result]] = {SUITES[name].title: [] for name in suites}
    runs: list[SuiteRun] = []
    versions: dict[str, str] = {}
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

    def say(text: str) -> None:
        console.print(f"… {text}")

    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "sqlite": b2c.sqlite_target(Path(folder)),
            "postgresql": b2c.postgres_target(postgres_url),
        }
        for name in wanted:
            try:
                if name == "postgresql":
                    versions["postgresql"] = asyncio.run(b2c.server_version(postgres_url))
                for chosen in suites:
                    run = asyncio.run(SUITES[chosen].run(targets[name], options, say))
                    results[SUITES[chosen].title] += run.results
                    runs.append(run)
            except (OSError, RuntimeError, httpx.HTTPError) as error:
                errors.print(f"[yellow]{name} skipped:[/yellow] {error!r}")
    for title, measured in results.items():
        table = Table(*report.HEADERS, title=title)
        for row in report.rows(measured):
            table.add_row(*row)
        console.print(table)
    grids = report.merged(grid for run in runs for grid in run.grids)
    overview = summary.grid([figure for run in runs for figure in run.figures])
    machine = report.hardware()
    for grid in [*grids, overview]:
        table = Table(*grid.headers, title=grid.title)
        for line in grid.rows:
            table.add_row(*line)
        console.print(table)
    notes = [note for run in runs for note in run.notes]
    for note in notes:
        console.print(note)
    console.print(", ".join(f"{key}: {value}" for key, value in {**machine, **versions}.items()))
    if markdown is not None:
        command = " ".join(["order-completion", *sys.argv[1:]])
        markdown.write_text(
            report.markdown(
                dict(results), command, machine, versions, notes, summary=overview, grids=grids
            )
        )
        console.print(f"Written to {markdown}")


def _tokens(command: Callable[[TokenCommands], Awaitable[T]]) -> T:
    """Run one token command against the database, then release it."""
    from order_completion.auth.handlers import TokenCommands
    from order_completion.errors import ServiceError

    settings = _settings()
    _migrate(settings)
    services = _services(settings)

    async def run() -> T:
        try:
            return await command(TokenCommands(services.db, services.clock))
        finally:
            await services.close()

    try:
        return asyncio.run(run())
    except ServiceError as error:
        errors.print(f"[red]{error.message}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="admin, orderManager, engineer, trainer, integration or viewer")
    ],
    name: Annotated[str, typer.Option(help="Who or what uses it (unique)")],
    quiet: Annotated[bool, typer.Option(help="Print only the token")] = False,
) -> None:
    """Create an API key; the token is shown once and only its hash is stored."""
    token = _tokens(lambda tokens: tokens.create(name=name, role=role))
    if quiet:
        print(token)
    else:
        console.print(f"Token for {name} ({role}), shown once:\n{token}", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="Name or id of the token")]) -> None:
    """Revoke an API key (callers using it are refused within seconds)."""
    console.print(f"Revoked {_tokens(lambda tokens: tokens.revoke(name))}.")


@token_app.command("list")
def token_list() -> None:
    """List API keys (never the tokens themselves), with their whole names and when each
    was last used (to the minute)."""
    rows = _tokens(lambda tokens: tokens.list())
    table = [
        (
            row.name,
            row.role,
            _moment(row.created_at),
            _moment(row.last_used_at) or "never",
            _moment(row.revoked_at),
        )
        for row in rows
    ]
    header = ("name", "role", "created", "last used", "revoked")
    widths = [max(len(line[column]) for line in [header, *table]) for column in range(5)]
    for line in [header, *table]:
        text = "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), soft_wrap=True, markup=False, highlight=False)


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Reseal every hub signing secret under the first key of ORDER_COMPLETION_SECRET_KEYS.

    Put a new key first, run this, then drop the old keys: receivers keep their secrets.
    Safe to run again, or after an interruption.
    """
    from order_completion import logs
    from order_completion.events.sealing import SecretUnreadable

    settings = _settings()
    logs.configure("warning")
    _migrate(settings)
    services = _services(settings)

    async def run() -> int:
        hubs = services.hubs()
        columns = (TextColumn("Resealing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("secrets", total=await hubs.count())
                return await hubs.reseal_all(advance=lambda done: progress.advance(task, done))
        finally:
            await services.close()

    try:
        resealed = asyncio.run(run())
    except SecretUnreadable as error:
        errors.print(f"[red]{error}[/red]; nothing after it was resealed", soft_wrap=True)
        raise typer.Exit(2) from error
    console.print(f"Resealed the secrets of {resealed} subscriptions under the first key.")


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8060,
    database: Annotated[Path, typer.Option(help="SQLite file the peers keep their data in")] = Path(
        "data/sandbox.db"
    ),
) -> None:
    """Serve TMF622, TMF637 and TMF629 sandbox peers on one port, for trying the adapters."""
    from order_completion.sandbox import server

    for line in server.describe(host, port, database):
        console.print(line, soft_wrap=True, highlight=False)
    server.serve(host, port, database)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


def main() -> None:
    app()
