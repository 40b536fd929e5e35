"""What every command shares: the consoles, and settings, services and schema built or
refused with a message a user can act on (exit status 2), never a traceback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from order_completion.bootstrap import Services, build_services
from order_completion.settings import Settings

T = TypeVar("T")

console = Console()
errors = Console(stderr=True)


def read_settings(**overrides: Any) -> Settings:
    """Read the settings, or exit naming the variable that is wrong."""
    from pydantic import ValidationError

    values = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**values)
    except ValidationError as error:
        for problem in error.errors():
            message = str(problem["msg"]).removeprefix("Value error, ")
            errors.print(f"[red]{_setting_named(problem['loc'])}[/red] {message}", soft_wrap=True)
        raise typer.Exit(2) from error


def _setting_named(where: tuple[int | str, ...]) -> str:
    """A check of one setting names its variable; a check of several names them itself."""
    if not where:
        return "Invalid settings:"
    return f"Invalid setting ORDER_COMPLETION_{str(where[0]).upper()}:"


def build(settings: Settings) -> Services:
    """Build the services, or exit with the policy problem a user must fix."""
    from order_completion.policies.loader import PolicyError

    try:
        return build_services(settings)
    except PolicyError as error:
        errors.print(f"[red]Policy refused:[/red]\n{error}", soft_wrap=True)
        raise typer.Exit(2) from error


def migrate_schema(settings: Settings) -> None:
    """Bring the schema up to date, or exit saying why the database cannot be used."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from order_completion import migrate

    try:
        migrate.upgrade(settings)
    except (OSError, SQLAlchemyError) as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        errors.print(f"[red]Cannot use the database {where}:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error


def on_services(command: Callable[[Services], Awaitable[T]]) -> T:
    """Run one command on freshly built services (schema brought up to date first), release
    the database, and turn a refusal into its message and exit status 2."""
    import asyncio

    from order_completion.errors import ServiceError

    settings = read_settings()
    migrate_schema(settings)
    services = build(settings)

    async def run() -> T:
        try:
            return await command(services)
        finally:
            await services.close()

    try:
        return asyncio.run(run())
    except ServiceError as error:
        errors.print(f"[red]{error.message}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error
