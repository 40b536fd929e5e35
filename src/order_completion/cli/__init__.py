"""The ``order-completion`` command: serve, worker, migrate, import-orders, policy check,
bench, tokens, web users, resealing hub secrets, and the sandbox peers; one module per
command or group.

Heavy modules are imported inside each command so that ``--help`` stays fast.
"""

from __future__ import annotations

import typer

from order_completion import __version__
from order_completion.cli.bench import bench
from order_completion.cli.common import console
from order_completion.cli.import_orders import import_orders
from order_completion.cli.policy import policy_app
from order_completion.cli.sandbox import sandbox
from order_completion.cli.secrets import secrets_app
from order_completion.cli.serve import migrate, serve, worker
from order_completion.cli.tokens import token_app
from order_completion.cli.users import user_app

app = typer.Typer(
    help="Complete Customer Order (eTOM 1.3.3.4) as a service.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(serve)
app.command()(worker)
app.command()(migrate)
app.command("import-orders")(import_orders)
app.command()(bench)
app.command()(sandbox)
app.add_typer(policy_app, name="policy")
app.add_typer(token_app, name="token")
app.add_typer(secrets_app, name="secrets")
app.add_typer(user_app, name="user")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


def main() -> None:
    app()
