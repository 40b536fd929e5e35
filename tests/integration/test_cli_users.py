"""``order-completion user add | list | remove``: the people who sign in to the workspace."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from order_completion.auth.rules import counter_secret
from order_completion.auth.staff import StaffCommands
from order_completion.auth.throttle import SignInThrottled
from order_completion.bootstrap import build_services
from order_completion.cli import app
from order_completion.cli.users import demo_login, demo_password
from order_completion.errors import Unauthenticated
from order_completion.web.shell import server_keys
from tests.conftest import settings_for
from tests.integration.test_cli import env_of
from tests.web import PASSWORD

runner = CliRunner()


def signs_in(database_url: str, name: str, password: str) -> str:
    """Who these sign in as, counted as the sign-in page counts them (the server's secret)."""

    async def check() -> str:
        settings = settings_for(database_url)
        services = build_services(settings)
        secret = counter_secret(server_keys(settings)[0])
        try:
            staff = StaffCommands(services.db, services.clock)
            return (await staff.sign_in(name, password, counter_secret=secret)).name
        finally:
            await services.close()

    return asyncio.run(check())


def test_users_are_added_listed_and_removed(sqlite_url: str) -> None:
    env = env_of(sqlite_url)
    add = ["user", "add", "dana", "--role", "orderManager", "--password-stdin"]
    added = runner.invoke(app, add, input=PASSWORD + "\n", env=env)
    assert added.exit_code == 0, added.output
    assert "Added dana (orderManager)." in added.output
    assert signs_in(sqlite_url, "dana", PASSWORD) == "dana"
    listed = runner.invoke(app, ["user", "list"], env=env)
    assert "dana  orderManager" in listed.output
    assert PASSWORD not in listed.output
    again = runner.invoke(app, add, input=PASSWORD + "\n", env=env)
    assert again.exit_code == 2
    assert "a user named 'dana' already exists" in again.output
    removed = runner.invoke(app, ["user", "remove", "dana"], env=env)
    assert removed.exit_code == 0
    assert "dana" not in runner.invoke(app, ["user", "list"], env=env).output.splitlines()[-1]


def test_an_administrator_unlocks_a_name_locked_by_wrong_passwords(sqlite_url: str) -> None:
    env = env_of(sqlite_url)
    add = ["user", "add", "dana", "--role", "viewer", "--password-stdin"]
    assert runner.invoke(app, add, input=PASSWORD + "\n", env=env).exit_code == 0
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            signs_in(sqlite_url, "dana", "not the password")
    with pytest.raises(SignInThrottled):
        signs_in(sqlite_url, "dana", PASSWORD)

    unlocked = runner.invoke(app, ["user", "unlock", "dana"], env=env)
    assert unlocked.exit_code == 0, unlocked.output
    assert "Cleared 1 sign-in counter of dana." in unlocked.output
    assert signs_in(sqlite_url, "dana", PASSWORD) == "dana"
    # counters are kept for names that do not exist too: nothing to clear is no error
    again = runner.invoke(app, ["user", "unlock", "nobody"], env=env)
    assert again.exit_code == 0, again.output
    assert "Cleared 0 sign-in counters of nobody." in again.output


def test_a_prompted_password_is_asked_twice_and_a_short_one_refused(sqlite_url: str) -> None:
    env = env_of(sqlite_url)
    short = runner.invoke(
        app, ["user", "add", "sam", "--role", "viewer"], input="short\nshort\n", env=env
    )
    assert short.exit_code == 2
    assert "a password needs at least 10 characters" in short.output
    prompted = runner.invoke(
        app, ["user", "add", "sam", "--role", "viewer"], input=f"{PASSWORD}\n{PASSWORD}\n", env=env
    )
    assert prompted.exit_code == 0, prompted.output
    unknown = runner.invoke(
        app, ["user", "add", "kim", "--role", "boss", "--password-stdin"], input=PASSWORD, env=env
    )
    assert unknown.exit_code == 2
    assert "unknown role 'boss'" in unknown.output


def test_the_demo_prints_the_same_staff_login_at_every_start(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The password is kept in the demo's folder; a second start finds the same user."""

    async def start() -> tuple[str, str]:
        services = build_services(settings_for(sqlite_url))
        try:
            password, new = demo_password(tmp_path)
            user = await demo_login(StaffCommands(services.db, services.clock), password, new)
            return user, password
        finally:
            await services.close()

    first, second = asyncio.run(start()), asyncio.run(start())
    assert first == second
    assert signs_in(sqlite_url, *first) == "demo"
    assert (tmp_path / "demo-password.txt").stat().st_mode & 0o777 == 0o600
