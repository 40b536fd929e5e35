"""``user add | list | remove | unlock``: the people who sign in to the web workspace."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from order_completion.cli.common import console, on_services

if TYPE_CHECKING:
    from order_completion.auth.staff import StaffCommands
    from order_completion.bootstrap import Services

T = TypeVar("T")

user_app = typer.Typer(
    help="Add, list, remove and unlock web workspace users.", no_args_is_help=True
)


def _staff(command: Callable[[StaffCommands], Awaitable[T]]) -> T:
    """Run one command on the staff users, then release the database."""
    from order_completion.auth.staff import StaffCommands

    return on_services(lambda services: command(StaffCommands(services.db, services.clock)))


def _password(from_stdin: bool) -> str:
    """The password from the first line of standard input, or asked for twice, unseen."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The name they sign in with (unique)")],
    role: Annotated[
        str,
        typer.Option(help="admin, orderManager, engineer, trainer, integration or viewer"),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Add a user who signs in with a password (at least 10 characters; only its Argon2id
    hash is kept)."""
    from order_completion.auth.staff import AddStaffUser

    password = _password(password_stdin)
    _staff(lambda staff: staff.add(AddStaffUser(name, role, password)))
    console.print(f"Added {name} ({role}).", soft_wrap=True, markup=False, highlight=False)


@user_app.command("list")
def user_list() -> None:
    """List the users and their roles (never a password)."""
    rows = _staff(lambda staff: staff.list())
    table = [(row.name, row.role, row.created_at.isoformat(timespec="seconds")) for row in rows]
    header = ("name", "role", "created")
    widths = [max(len(line[column]) for line in [header, *table]) for column in range(3)]
    for line in [header, *table]:
        text = "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), soft_wrap=True, markup=False, highlight=False)


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="The user's name")]) -> None:
    """Remove a user; their open sessions end at their next page."""
    from order_completion.auth.staff import RemoveStaffUser

    removed = _staff(lambda staff: staff.remove(RemoveStaffUser(name)))
    console.print(f"Removed {removed}.", soft_wrap=True, markup=False, highlight=False)


@user_app.command("unlock")
def user_unlock(name: Annotated[str, typer.Argument(help="The name to unlock")]) -> None:
    """Clear the failed sign-ins counted against a name, lifting its lockout at once (the
    way out when someone keeps a name locked by guessing wrong on purpose)."""
    from order_completion.auth.rules import counter_secret
    from order_completion.auth.throttle import SignInThrottle
    from order_completion.web.shell import server_keys

    def unlock(services: Services) -> Awaitable[int]:
        secret = counter_secret(server_keys(services.settings)[0])  # as the sign-in page's
        return SignInThrottle(services.db, services.clock, secret).unlock(name)

    cleared = on_services(unlock)
    counters = "counter" if cleared == 1 else "counters"
    message = f"Cleared {cleared} sign-in {counters} of {name}."
    console.print(message, soft_wrap=True, markup=False, highlight=False)


DEMO_USER = "demo"


def demo_password(folder: Path) -> tuple[str, bool]:
    """The demo's staff password, kept in its data folder so every start of the same demo
    prints the same one; and whether it was made just now."""
    kept = folder / "demo-password.txt"
    if kept.exists():
        return kept.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    folder.mkdir(parents=True, exist_ok=True)
    kept.write_text(password + "\n")
    kept.chmod(0o600)
    return password, True


async def demo_login(staff: StaffCommands, password: str, new: bool) -> str:
    """The demo's staff user (an administrator) signing in with ``password``."""
    from order_completion.auth.staff import AddStaffUser, RemoveStaffUser

    known = await staff.find(DEMO_USER)
    if known is not None and not new:
        return DEMO_USER
    if known is not None:
        await staff.remove(RemoveStaffUser(DEMO_USER))
    await staff.add(AddStaffUser(DEMO_USER, "admin", password))
    return DEMO_USER
