"""``serve --demo`` shows the whole loop on one machine: the sample cases update the
sandbox peers (products appear in the inventory, orders complete) and the customer's
e-mail arrives in the mail sink, certificates attached."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import start_server, stop_process


def wait_for(check: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_the_demo_updates_the_sandbox_peers_and_mails_the_customer(tmp_path: Path) -> None:
    server = start_server(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}", "--demo")
    try:
        port = int(server.url.rsplit(":", 1)[1])
        peers = f"http://127.0.0.1:{port + 1}"
        with httpx.Client(timeout=10) as http:

            def products() -> list[Any]:
                found: list[Any] = http.get(
                    f"{peers}/tmf-api/productInventory/v4/product", params={"status": "active"}
                ).json()
                return found

            def mail() -> list[Any]:
                kept: list[Any] = http.get(f"{peers}/sandbox/v1/mail").json()
                return kept if any(m["attachment"] for m in kept) else []

            assert wait_for(products), server.log.read_text()[-2000:]
            messages = wait_for(mail)
            assert messages, server.log.read_text()[-2000:]
            completed = http.get(
                f"{peers}/tmf-api/productOrderingManagement/v4/productOrder",
                params={"state": "completed"},
            ).json()
            assert completed
            certificate = next(m for m in messages if m["attachment"])
            assert certificate["attachment"][0].startswith("acceptance-certificate-")
            assert certificate["to"].endswith("@example.com>")
            raw = http.get(f"{peers}/sandbox/v1/mail/{certificate['id']}")
            assert raw.headers["content-type"] == "message/rfc822"
            assert b"application/pdf" in raw.content
        assert "Demo: sandbox peers" in server.log.read_text()
        assert "Demo workspace: http://127.0.0.1:" in server.log.read_text()
        printed = re.search(r"Demo customer portal: (\S+) ", server.log.read_text())
        assert printed is not None, server.log.read_text()[-2000:]
        assert printed.group(1).startswith(f"{server.url}/portal/")
        with httpx.Client(timeout=10) as http:
            opened = http.get(f"{printed.group(1)}/case")
        assert opened.status_code == 200, opened.text
        assert opened.json()["waitingFor"] == ["acceptanceDecision"]
    finally:
        stop_process(server.process)
