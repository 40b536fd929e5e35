"""``serve``, ``worker`` and ``migrate``: running the service and keeping its schema."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr

from order_completion import __version__
from order_completion.bootstrap import Services
from order_completion.cli.common import build, console, errors, migrate_schema, read_settings
from order_completion.settings import Settings


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
    from order_completion import logs
    from order_completion.database import is_sqlite

    settings = read_settings(host=host, port=port)
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
    migrate_schema(settings)
    if demo:
        settings = _with_demo_peers(settings)
        asyncio.run(_load_demo(settings))
    services = build(settings)
    console.print(
        f"Order Completion {__version__} on http://{settings.host}:{settings.port} "
        f"({workers} API process{'es' if workers > 1 else ''}, "
        f"{'with' if worker else 'without'} worker)"
    )
    if workers > 1:
        _serve_processes(services, workers, worker)
    else:
        _serve_here(services, worker)


def _serve_here(services: Services, worker: bool) -> None:
    """One API process, serving with the services built here."""
    import uvicorn

    from order_completion.app import create_app

    settings = services.settings
    uvicorn.run(
        create_app(services, run_worker=worker),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,  # the app writes its own access log (with request ids)
        log_config=None,  # keep the JSON lines logs.configure set up
    )


def _serve_processes(services: Services, workers: int, worker: bool) -> None:
    """Several API processes, each building its own services from the environment."""
    import uvicorn

    from order_completion.app import RUN_WORKER_ENV

    # The services were built to check the policies, so a bad one stopped this command
    # rather than every process; each process builds its own.
    settings = services.settings
    asyncio.run(services.close())
    os.environ[RUN_WORKER_ENV] = "1" if worker else "0"
    # What serve decided beyond the environment (the demo's loopback callbacks, its peers
    # and mail sink), for the API processes, which read only the environment.
    for name in DECIDED_BY_SERVE:
        value = getattr(settings, name)
        if value is not None and value != "":
            shown = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            os.environ[f"ORDER_COMPLETION_{name.upper()}"] = shown
    uvicorn.run(
        "order_completion.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
    )


def _with_demo_peers(settings: Settings) -> Settings:
    """The sandbox peers and a mail sink beside the service (on the next two ports), and
    the service pointed at them, so the demo shows the whole loop on one machine."""
    from order_completion.integrations.messages.model import MessageTransport
    from order_completion.sandbox.running import start_peers

    peers = start_peers(
        DEMO_DATA, settings.host, port=settings.port + 1, smtp_port=settings.port + 2
    )
    console.print(
        f"Demo: sandbox peers (TMF622, TMF637, TMF629) on {peers.url}; e-mail to the customer "
        f"goes to a mail sink on port {peers.smtp_port}, listed at {peers.url}/sandbox/v1/mail",
        soft_wrap=True,
    )
    return settings.model_copy(
        update={
            "tmf622_url": peers.root("productOrderingManagement"),
            "tmf637_url": peers.root("productInventory"),
            "tmf629_url": peers.root("customerManagement"),
            "message_transport": MessageTransport.SMTP,
            "smtp_url": SecretStr(f"smtp://{settings.host}:{peers.smtp_port}?starttls=false"),
            "mail_from": "Order Completion demo <orders@example.com>",
        }
    )


# The settings serve may decide itself (``--host``, ``--port``, ``--demo``), passed on to its
# API processes: each builds the links it issues (the customer portal's) from where it listens.
DECIDED_BY_SERVE = (
    "host",
    "port",
    "callback_allowlist",
    "tmf622_url",
    "tmf637_url",
    "tmf629_url",
    "message_transport",
    "smtp_url",
    "mail_from",
)

# Where the demo's peers keep their data: beside the service's own.
DEMO_DATA = Path("data/demo")


async def _load_demo(settings: Settings) -> None:
    import httpx

    from order_completion.auth.staff import StaffCommands
    from order_completion.cli.users import demo_login, demo_password
    from order_completion.demo import AWAITING_DECISION, PeerSeeder, customer_link, load_samples

    services = build(settings)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            seeder = (
                PeerSeeder(client, settings.tmf622_url, settings.tmf629_url)
                if settings.tmf622_url and settings.tmf629_url
                else None
            )
            samples = await load_samples(services, seeder)
        console.print(f"Demo data: {samples.created} new cases")

        console.print(f"Demo admin token: {await demo_admin_token(services)}", soft_wrap=True)
        staff = StaffCommands(services.db, services.clock)
        password, new = demo_password(DEMO_DATA)
        user = await demo_login(staff, password, new)
        where = f"http://{settings.host}:{settings.port}/"
        console.print(
            f"Demo workspace: {where} (sign in as {user}, password {password})", soft_wrap=True
        )
        link = await customer_link(services, samples.case_ids[AWAITING_DECISION])
        console.print(
            f"Demo customer portal: {link} (order {AWAITING_DECISION}, waiting for the "
            "customer's acceptance)",
            soft_wrap=True,
        )
    finally:
        await services.close()


async def demo_admin_token(services: Services) -> str:
    """An admin token for the demo's user; the one an earlier start printed is revoked, so
    restarting the demo on the same data leaves one demo admin token valid."""
    from order_completion.auth.handlers import TokenCommands

    return await TokenCommands(services.db, services.clock).renew(family="demo-admin", role="admin")


def worker() -> None:
    """Run only the worker (timers); several may share one PostgreSQL database."""
    from order_completion import logs

    settings = read_settings()
    logs.configure(settings.log_level)
    migrate_schema(settings)
    services = build(settings)

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


def migrate() -> None:
    """Bring the database to the latest schema."""
    migrate_schema(read_settings())
    console.print("Database is up to date.")
