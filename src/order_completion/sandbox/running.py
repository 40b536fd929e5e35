"""The sandbox and a mail sink running beside the service in one process, for
``serve --demo``: the peers in a thread of their own, the SMTP sink in another."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from order_completion.sandbox.mailbox import start_mail_sink
from order_completion.sandbox.server import create_app


@dataclass(frozen=True)
class RunningPeers:
    url: str  # the sandbox, e.g. http://127.0.0.1:8001
    smtp_port: int

    def root(self, api: str) -> str:
        return f"{self.url}/tmf-api/{api}/v4"


def start_peers(folder: Path, host: str, port: int, smtp_port: int) -> RunningPeers:
    """Start the sandbox on ``port`` and the mail sink on ``smtp_port``, keeping their data
    under ``folder``; returns once the sandbox answers. Both stop with the process."""
    import uvicorn

    folder.mkdir(parents=True, exist_ok=True)
    start_mail_sink(folder / "mail", host, smtp_port)
    app = create_app(folder / "sandbox.db", mail_dir=folder / "mail")
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    )
    threading.Thread(target=server.run, name="sandbox", daemon=True).start()
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return RunningPeers(url, smtp_port)
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the sandbox did not start on {url}")
