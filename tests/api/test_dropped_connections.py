"""A database connection the server dropped (a restart, a failover, an idle timeout) is
noticed before a request uses it: the request is served on a fresh one."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from order_completion.bootstrap import Services
from order_completion.events.catalog import BASE_PATHS, Api

CASES = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/completionCase"


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_url")
    return url


async def terminate_every_other_backend(database_url: str) -> int:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        ended: int = await connection.fetchval(
            "SELECT count(*) FROM ("
            " SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended"
        )
    finally:
        await connection.close()
    return ended


async def test_a_request_after_the_server_dropped_the_connections_is_served(
    client: httpx.AsyncClient, services: Services, database_url: str
) -> None:
    assert (await client.get(CASES)).status_code == 200
    assert await terminate_every_other_backend(database_url) >= 1
    response = await client.get(CASES)
    assert response.status_code == 200
    assert response.json() == []
