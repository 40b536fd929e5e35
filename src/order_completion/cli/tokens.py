"""``token create | list | revoke``: API keys, of which only the hash is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from order_completion.cli.common import console, on_services

if TYPE_CHECKING:
    from order_completion.auth.handlers import TokenCommands

T = TypeVar("T")

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


def _tokens(command: Callable[[TokenCommands], Awaitable[T]]) -> T:
    """Run one command on the API tokens, then release the database."""
    from order_completion.auth.handlers import TokenCommands

    return on_services(lambda services: command(TokenCommands(services.db, services.clock)))


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
