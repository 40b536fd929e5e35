"""``import-orders``: open completion cases for the product orders in a file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from order_completion.cli.common import build, console, errors, migrate_schema, read_settings

if TYPE_CHECKING:
    from order_completion.imports import ImportSummary


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

    settings = read_settings()
    logs.configure("warning")
    try:
        documents = imports.read_documents(path)
    except (OSError, UnicodeDecodeError) as error:
        errors.print(f"[red]Cannot read {path}:[/red] {error}")
        raise typer.Exit(2) from error
    migrate_schema(settings)
    services = build(settings)

    async def run() -> ImportSummary:
        columns = (TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("orders", total=len(documents))
                return await imports.import_orders(
                    services, documents, advance=lambda: progress.advance(task), force=force
                )
        finally:
            await services.close()

    _report(asyncio.run(run()))


def _report(summary: ImportSummary) -> None:
    """The counts, then each rejected order with why; any rejection exits 1."""
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
