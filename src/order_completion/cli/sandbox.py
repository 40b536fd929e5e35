"""``sandbox``: the TMF622, TMF637 and TMF629 peers the adapters can be tried against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from order_completion.cli.common import console


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
