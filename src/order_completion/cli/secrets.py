"""``secrets rotate``: reseal every hub signing secret under the first configured key."""

from __future__ import annotations

import asyncio

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from order_completion.cli.common import build, console, errors, migrate_schema, read_settings

secrets_app = typer.Typer(help="Manage the keys sealing hub signing secrets.", no_args_is_help=True)


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Reseal every hub signing secret under the first key of ORDER_COMPLETION_SECRET_KEYS.

    Put a new key first, run this, then drop the old keys: receivers keep their secrets.
    Safe to run again, or after an interruption.
    """
    from order_completion import logs
    from order_completion.events.sealing import SecretUnreadable

    settings = read_settings()
    logs.configure("warning")
    migrate_schema(settings)
    services = build(settings)

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
