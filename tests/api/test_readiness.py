"""/health says the process is alive whatever the database does; /ready says whether the
database answers and has the schema this version needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from order_completion import migrate
from order_completion.app import create_app
from order_completion.bootstrap import Services, build_services
from order_completion.operations.readiness import head_revisions
from tests.conftest import settings_for


async def test_a_migrated_database_is_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    (head,) = head_revisions()
    assert response.json()["status"] == "ready"
    assert response.json()["message"] == f"database reachable, schema at {head}"


async def client_of(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(settings_for(database_url))
    transport = httpx.ASGITransport(app=create_app(services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await services.close()


async def test_a_database_behind_the_head_revision_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    (head,) = head_revisions()
    previous = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision(head).down_revision
    assert isinstance(previous, str)
    await asyncio.to_thread(command.upgrade, migrate.alembic_config(url), previous)
    async for http in client_of(url):
        response = await http.get("/ready")
        assert response.status_code == 503
        body = response.json()
        assert (body["status"], body["reason"]) == ("503", "Migrations pending")
        assert body["message"] == (
            f"the database schema is at {previous}, this version needs {head}: "
            "run `order-completion migrate`"
        )
        alive = await http.get("/health")
        assert (alive.status_code, alive.json()["status"]) == (200, "alive")


async def test_an_unreachable_database_is_not_ready_but_the_process_is_alive() -> None:
    async for http in client_of("postgresql://nobody@127.0.0.1:1/nothing"):
        response = await http.get("/ready")
        assert response.status_code == 503
        body = response.json()
        assert (body["reason"], body["@type"]) == ("Database unavailable", "Error")
        assert body["message"].startswith("the database did not answer the schema query (")
        alive = await http.get("/health")
        assert (alive.status_code, alive.json()["status"]) == (200, "alive")


async def test_a_database_newer_than_this_version_says_to_upgrade_the_service(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A revision the bundled migrations do not know was written by a later version:
    migrating cannot help, upgrading the service can."""
    (head,) = head_revisions()
    async with services.db.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'f0f0later'"))
    try:
        response = await client.get("/ready")
    finally:
        async with services.db.engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head}
            )
    assert response.status_code == 503
    body = response.json()
    assert body["reason"] == "Database newer than this version"
    assert body["message"] == (
        f"the database schema is at f0f0later, which this version does not know (it needs "
        f"{head}): the database was migrated by a newer version; upgrade the service"
    )
