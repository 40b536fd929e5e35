"""``policy check``: validate policy files before the service loads them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from order_completion.cli.common import console, errors

policy_app = typer.Typer(help="Work with completion policies.", no_args_is_help=True)


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
