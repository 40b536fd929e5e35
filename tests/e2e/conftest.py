"""A real ``order-completion serve`` process on a free port, talked to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET_KEY

QUICK_POLICY = """
id: e2e-quick
version: 1
name: Quick acceptance for end-to-end tests
priority: 50
appliesTo: {orderCategory: [QUICK]}
steps:
  - kind: readyForServiceNotice
  - kind: acceptance
    window: {duration: PT3S}
    deemedAcceptance: true
  - kind: customerUpdate
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(tmp_path: Path, database_url: str, *arguments: str, **settings: str) -> Server:
    policies = tmp_path / "policies"
    policies.mkdir(exist_ok=True)
    (policies / "quick.yaml").write_text(QUICK_POLICY)
    # The port: the one ``--port`` names (the environment then names none), else a free one
    # named in the environment.
    given = list(arguments)
    port = int(given[given.index("--port") + 1]) if "--port" in given else free_port()
    log = tmp_path / "serve.log"
    env = {
        **{key: value for key, value in os.environ.items() if key != "ORDER_COMPLETION_PORT"},
        "ORDER_COMPLETION_DATABASE_URL": database_url,
        "ORDER_COMPLETION_POLICY_DIR": str(policies),
        **({} if "--port" in given else {"ORDER_COMPLETION_PORT": str(port)}),
        "ORDER_COMPLETION_WORKER_POLL_SECONDS": "0.2",
        "ORDER_COMPLETION_LOG_LEVEL": "warning",
        "ORDER_COMPLETION_BOOTSTRAP_TOKEN": ADMIN_TOKEN,
        "ORDER_COMPLETION_SECRET_KEYS": SECRET_KEY,
        **{f"ORDER_COMPLETION_{name.upper()}": value for name, value in settings.items()},
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "order_completion", "serve", *arguments],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log, database_url)
    wait_healthy(process, server.url, log, "serve")
    return server


def wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path, name: str) -> None:
    """Until ``{url}/health`` answers 200; a process that exits or never gets there fails
    the test with its log."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{name} exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{name} did not become healthy:\n{log.read_text()}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'e2e.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        request.getfixturevalue("empty_postgres")
    running = start_server(tmp_path, url)
    yield running
    stop_server(running)


def stop_server(server: Server) -> None:
    stop_process(server.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def empty_postgres(postgres_url: str) -> None:
    """Start each end-to-end run on PostgreSQL from empty tables."""
    import asyncio

    from order_completion.database import make_engine
    from tests.conftest import _truncate

    engine = make_engine(postgres_url, pool_size=1)
    asyncio.run(_truncate(engine))
