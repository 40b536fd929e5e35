"""The README walkthrough runs verbatim against a real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import unavailable
from tests.e2e.conftest import start_server

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        unavailable("README walkthrough skipped: it uses curl, which is not installed")
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    walkthrough = [block for block in blocks if "API=http://127.0.0.1:8000" in block]
    assert walkthrough, "the README has no walkthrough"
    later = blocks[blocks.index(walkthrough[0]) + 1]
    server = start_server(tmp_path, f"sqlite:///{tmp_path / 'readme.db'}")
    try:
        port = server.url.rsplit(":", 1)[1]
        script = "set -euo pipefail\n" + walkthrough[0] + later
        script = script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        env = {**os.environ, "ORDER_COMPLETION_DATABASE_URL": server.database_url}
        result = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=README.parent,
            env=env,
        )
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:6] == ["completed", "caseCreated", "failed", "passed", "rejected", "passed"]
    assert "completed" in lines[7:9]
    assert lines[-4:] == ["hold", "active", "cancelled", "a cancelled case cannot become active"]
