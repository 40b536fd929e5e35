"""A 500 answers the request that failed and nothing else: the client's keep-alive
connection stays open for its next request, on a real server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from order_completion.app import create_app
from order_completion.bootstrap import Services

FAILING = "/failing-on-purpose"


@pytest.fixture
async def failing_server(services: Services) -> AsyncIterator[str]:
    """The app on a real server, with one more route that raises what no handler expects."""
    app = create_app(services)

    @app.get(FAILING)
    async def failing() -> None:
        raise RuntimeError("a failure nobody handles")

    # A socket already listening: connections wait in its backlog until the server runs.
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        listening.close()


def local_port(response: httpx.Response) -> int:
    """The client's port of the connection that carried ``response``."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


async def test_a_500_keeps_the_connection_alive(failing_server: str) -> None:
    async with httpx.AsyncClient(base_url=failing_server) as http:
        before = await http.get("/health")
        first_port = local_port(before)
        failed = await http.get(FAILING)
        after = await http.get("/health")
        last_port = local_port(after)

    assert failed.status_code == 500
    assert failed.json()["reason"] == "Internal error"
    assert after.status_code == 200
    assert first_port == last_port, "the 500 closed the connection"
