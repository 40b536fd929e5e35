"""``serve --workers N``: several API processes on PostgreSQL; refused on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import start_server, stop_server
from tests.orders import BASE, product_order


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
    server = start_server(tmp_path, postgres_url, "--workers", "2")
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
