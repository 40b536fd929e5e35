"""A real ``order-completion sandbox`` process on a free port, for tests that need TMF622,
TMF637 and TMF629 peers to talk to over HTTP."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import free_port, stop_process, wait_healthy

ORDERING = "productOrderingManagement"
INVENTORY = "productInventory"
CUSTOMERS = "customerManagement"


@dataclass
class RunningSandbox:
    url: str
    process: subprocess.Popen[bytes]
    database: Path
    log: Path

    def root(self, api: str) -> str:
        """``http://127.0.0.1:PORT/tmf-api/{api}/v4``: what an adapter is configured with."""
        return f"{self.url}/tmf-api/{api}/v4"

    @property
    def control(self) -> str:
        return f"{self.url}/sandbox/v1"


def start_sandbox(database: Path, log: Path) -> RunningSandbox:
    """Start the sandbox on ``database`` and wait until it answers its health check."""
    port = free_port()
    with log.open("ab") as output:
        command = ["order_completion", "sandbox", "--port", str(port), "--database", str(database)]
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    sandbox = RunningSandbox(f"http://127.0.0.1:{port}", process, database, log)
    wait_healthy(process, sandbox.url, log, "sandbox")
    return sandbox


def stop_sandbox(sandbox: RunningSandbox) -> None:
    stop_process(sandbox.process)
