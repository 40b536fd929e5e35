"""A real ``serve`` process writes nothing but JSON lines: uvicorn's own, the worker's and
the access line of each request, with the request's id."""

from __future__ import annotations

import json
from pathlib import Path

from order_completion import __version__
from tests.e2e.conftest import start_server, stop_server


def test_every_line_serve_writes_is_json_with_the_request_id(tmp_path: Path) -> None:
    server = start_server(tmp_path, f"sqlite:///{tmp_path / 'logs.db'}", log_level="info")
    try:
        with server.client() as http:
            response = http.get("/ready", headers={"X-Request-ID": "e2e-ready-1"})
            assert response.status_code == 200
            assert response.headers["X-Request-ID"] == "e2e-ready-1"
    finally:
        stop_server(server)
    written = [line for line in server.log.read_text().splitlines() if line.strip()]
    # serve's banner is printed on standard output, not logged: every other line parses.
    printed = [line for line in written if not line.startswith("{")]
    assert [line.split(" on ")[0] for line in printed] == [f"Order Completion {__version__}"]
    lines = [json.loads(line) for line in written if line.startswith("{")]
    events = [line["event"] for line in lines]
    assert "Application startup complete." in events
    assert "worker.started" in events
    access = [line for line in lines if line["event"] == "request" and line["route"] == "/ready"]
    assert [(line["request_id"], line["status"]) for line in access] == [("e2e-ready-1", 200)]
    assert not [line for line in lines if line.get("logger") == "uvicorn.access"]
