"""``serve --workers N``: several API processes on PostgreSQL; refused on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port, start_server, stop_server
from tests.orders import BASE, product_order

HUB = f"{BASE}/hub"


def api_processes(pid: int) -> list[int]:
    """The processes ``serve`` started to answer requests (not helpers such as
    multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


@pytest.mark.postgres
def test_two_api_processes_serve_one_postgresql_database(
    tmp_path: Path, postgres_url: str, empty_postgres: None
) -> None:
    port = free_port()
    server = start_server(tmp_path, postgres_url, "--workers", "2", "--port", str(port))
    try:
        assert len(api_processes(server.process.pid)) == 2
        with server.client() as client:
            created = [
                client.post(
                    f"{BASE}/completionCase", json={"productOrder": product_order(f"WORKERS-{n}")}
                )
                for n in range(10)
            ]
            assert [response.status_code for response in created] == [201] * 10
            for response in created:
                case = client.get(response.json()["href"]).json()
                assert case["state"] == "completed"
            # Every process knows where it listens: the links it issues lead back to it.
            for response in created[:4]:
                link = client.post(f"{response.json()['href']}/customerLink")
                assert link.status_code == 201, link.text
                assert link.json()["url"].startswith(f"http://127.0.0.1:{port}/portal/")
    finally:
        stop_server(server)


@contextmanager
def loopback_receiver() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A webhook receiver on 127.0.0.1 in a thread: its URL and the events it got."""
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/events", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.postgres
def test_the_demo_reaches_loopback_receivers_from_every_api_process(
    tmp_path: Path, postgres_url: str, empty_postgres: None
) -> None:
    """What ``serve`` decides beyond the environment (the demo allows callbacks to this
    machine) holds in the API processes it starts, whose workers send the events."""
    with loopback_receiver() as (callback, received):
        server = start_server(tmp_path, postgres_url, "--workers", "2", "--demo")
        try:
            with server.client() as client:
                hub = client.post(
                    HUB, json={"callback": callback, "query": "eventType=completionCaseCreateEvent"}
                )
                assert hub.status_code == 201
                order = product_order("WORKERS-DEMO")
                assert (
                    client.post(f"{BASE}/completionCase", json={"productOrder": order}).status_code
                    == 201
                )
            deadline = time.monotonic() + 30
            while not received and time.monotonic() < deadline:
                time.sleep(0.2)
            assert [event["eventType"] for event in received] == ["completionCaseCreateEvent"]
        finally:
            stop_server(server)


def test_several_api_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "ORDER_COMPLETION_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"}
    finished = subprocess.run(
        [sys.executable, "-m", "order_completion", "serve", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "--workers needs PostgreSQL" in finished.stdout + finished.stderr
