"""The README walkthrough runs verbatim against a real server, every block in order, and
prints what the README says it prints; then it runs a second time on the same data.

A runnable block is a ```sh block followed directly by a ```text block: its expected
output, where ``…`` stands for text that differs from run to run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_URL, SECRET_KEY, _asyncpg_dsn, _postgres_problem, unavailable
from tests.e2e.conftest import free_port, start_server

README = Path(__file__).parents[2] / "README.md"
BLOCK = re.compile(r"```sh\n((?:(?!```).)*)```\n\n```text\n((?:(?!```).)*)```", re.S)
MARK = "@@ end of README block @@"
# What the README names that a test run must point elsewhere: its ports and its database.
README_PORTS = ("8000", "8001", "8099")
README_POSTGRES = "postgresql://postgres@127.0.0.1:5432/orders"
README_CREATEDB = "createdb -h 127.0.0.1 -U postgres orders"


def runnable_blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(README.read_text())


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, actual) is not None


def printed_as_said(expected: str, actual: str) -> bool:
    wanted = expected.rstrip("\n").split("\n")
    printed = actual.rstrip("\n").split("\n")
    return len(wanted) == len(printed) and all(
        matches(want, got) for want, got in zip(wanted, printed, strict=True)
    )


def test_the_readme_blocks_are_found_and_their_outputs_shown() -> None:
    """Every shell block of the walkthrough and the sections after it is run, unless it is
    the one that starts the service or the one that asks for a password at the prompt (a
    guard against a block silently dropping out)."""
    text = README.read_text()
    walkthrough = text[text.index("## Walkthrough") :]
    shell_blocks = re.findall(r"```sh\n((?:(?!```).)*)```", walkthrough, re.S)
    run = {block for block, _ in runnable_blocks()}
    not_run = [block for block in shell_blocks if block not in run]
    assert [block.strip().splitlines()[0] for block in not_run] == [
        "ORDER_COMPLETION_CALLBACK_ALLOWLIST=127.0.0.1 make run",
        "order-completion user add dana --role orderManager      # asks for the password twice",
    ]
    assert len(run) >= 14
    assert matches("SUMMARY:Training for order PO-2001-…", "SUMMARY:Training for order PO-2001-7")
    assert not matches("completed", "completed and more")
    assert not printed_as_said("a\nb\n", "a\n")


def _postgres_database() -> tuple[str, str]:
    """A database name of this run's own, on the test PostgreSQL, and the admin DSN."""
    problem = _postgres_problem()
    if problem:
        unavailable(f"README walkthrough skipped: its PostgreSQL block needs it: {problem}")
    return f"readme_{uuid.uuid4().hex[:10]}", _asyncpg_dsn(ADMIN_URL)


def _drop(admin: str, name: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(run())


def _script(blocks: list[tuple[str, str]], ports: dict[str, int], database: str) -> str:
    postgres = make_url(ADMIN_URL).set(database=database)
    script = "set -euo pipefail\n"
    for block, _ in blocks:
        script += block + f"echo '{MARK}'\n"
    for readme_port, port in ports.items():
        script = script.replace(f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}")
        script = script.replace(f'"127.0.0.1", {readme_port})', f'"127.0.0.1", {port})')
        script = script.replace(f"--port {readme_port} ", f"--port {port} ")
    createdb = f"createdb -h {postgres.host} -p {postgres.port or 5432} -U {postgres.username}"
    script = script.replace(README_CREATEDB, f"{createdb} {database}")
    return script.replace(README_POSTGRES, postgres.render_as_string(hide_password=False))


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the blocks in one shell; then stop whatever they left running in the background
    (the receiver, the PostgreSQL API processes and workers)."""
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=240)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_the_readme_walkthrough_runs_verbatim_twice(tmp_path: Path) -> None:
    for tool in ("curl", "createdb"):
        if shutil.which(tool) is None:
            unavailable(f"README walkthrough skipped: it uses {tool}, which is not installed")
    database, admin = _postgres_database()
    blocks = runnable_blocks()
    server = start_server(
        tmp_path, f"sqlite:///{tmp_path / 'readme.db'}", callback_allowlist="127.0.0.1"
    )
    ports = {port: free_port() for port in README_PORTS}
    ports["8000"] = int(server.url.rsplit(":", 1)[1])
    # The blocks call `.venv/bin/order-completion` from the repository folder.
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    env = {
        **os.environ,
        "ORDER_COMPLETION_DATABASE_URL": server.database_url,
        "ORDER_COMPLETION_SECRET_KEYS": SECRET_KEY,
    }
    try:
        for attempt in ("first", "second"):
            result = _run(_script(blocks, ports, database), tmp_path, env)
            assert result.returncode == 0, f"{attempt} run: {result.stdout}\n{result.stderr}"
            outputs = result.stdout.split(f"{MARK}\n")
            assert len(outputs) == len(blocks) + 1, result.stdout
            for (block, expected), actual in zip(blocks, outputs, strict=False):
                assert printed_as_said(expected, actual), (
                    f"{attempt} run, block:\n{block}\nprinted:\n{actual}\nREADME says:\n{expected}"
                )
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
        _drop(admin, database)
