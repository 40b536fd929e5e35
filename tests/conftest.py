"""Shared fixtures: a real database of each kind, a fixed clock, services and an HTTP client.

PostgreSQL tests use the server at ``ORDER_COMPLETION_TEST_POSTGRES_URL`` (default: the local
one), in a database created for this run and dropped after it. Without a reachable server the
PostgreSQL half of each suite is skipped with the reason shown, except under ``CI=true`` where
a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from order_completion import migrate
from order_completion.app import create_app
from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from order_completion.settings import Settings
from order_completion.tables import metadata
from tests.receiver import Receiver

ADMIN_URL = os.environ.get(
    "ORDER_COMPLETION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# A Monday morning, so business-day arithmetic in tests is easy to follow.
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADMIN_TOKEN = "test-admin-token"
# The key sealing hub secrets in the settings tests build (migrations included), so none
# generates a key file in the working folder.
SECRET_KEY = "rJRKeSDm86hXOWqeECK43oZlBptMC8mgTbNouOpj33I="


def settings_for(database_url: str, **values: Any) -> Settings:
    """Settings of a test database, sealing hub secrets with the tests' key."""
    return Settings(database_url=database_url, secret_keys=SECRET_KEY, **values)


def _postgres_problem() -> str | None:
    async def probe() -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(ADMIN_URL), timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:
        return f"PostgreSQL not reachable at {ADMIN_URL} ({type(error).__name__}: {error})"
    return None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def unavailable(reason: str) -> NoReturn:
    """Skip a suite whose server or tool this machine lacks, saying which and why; under
    CI, where every one of them is installed, fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI needs it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run."""
    problem = _postgres_problem()
    if problem:
        unavailable(f"PostgreSQL suite skipped: {problem}")
    name = f"order_completion_test_{uuid.uuid4().hex[:10]}"
    admin = _asyncpg_dsn(ADMIN_URL)

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(settings_for(url))
    yield url
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (much faster than migrating each)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(settings_for(f"sqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "order-completion.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "order-completion.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def policy_dir() -> Path | None:
    """Override in a test module to load extra policies."""
    return None


async def _truncate(engine: AsyncEngine) -> None:
    """Empty every table of a PostgreSQL test database (and release the engine)."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


async def _empty_tables(services: Services) -> None:
    if services.db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        async with services.db.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    """Override in a test module to give the services other settings."""
    return {}


@pytest.fixture
async def services(
    database_url: str, clock: FixedClock, policy_dir: Path | None, extra_settings: dict[str, Any]
) -> AsyncIterator[Services]:
    settings = settings_for(
        database_url,
        policy_dir=policy_dir,
        bootstrap_token=ADMIN_TOKEN,
        token_cache_seconds=0,
        callback_allowlist="127.0.0.1",
        **extra_settings,
    )
    built = build_services(settings, clock=clock)
    await _empty_tables(built)
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def anonymous(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app in this process that sends no token."""
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def client(anonymous: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same client, as an administrator."""
    anonymous.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return anonymous


async def token_for(services: Services, role: str) -> str:
    """A fresh API key with ``role``, created the way ``order-completion token create`` does."""
    from order_completion.auth.handlers import TokenCommands

    tokens = TokenCommands(services.db, services.clock)
    return await tokens.create(name=f"{role}-{uuid.uuid4().hex[:8]}", role=role)


@pytest.fixture
async def integration(services: Services) -> dict[str, str]:
    """Headers of an integration client, the only role the inbound listeners accept."""
    return {"Authorization": f"Bearer {await token_for(services, 'integration')}"}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver listening on 127.0.0.1 for the test."""
    running = Receiver()
    await running.start()
    yield running
    await running.stop()
