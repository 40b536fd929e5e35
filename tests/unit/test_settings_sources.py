"""Settings come from the environment and from a ``.env`` file in the working directory;
the environment wins. ``make run`` passes PORT and HOST on to ``serve``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from order_completion.settings import Settings
from tests.conftest import unavailable

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_folder_with_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PORT", "LOG_LEVEL", "METRICS_NEED_TOKEN"):
        monkeypatch.delenv(f"ORDER_COMPLETION_{name}", raising=False)
    (tmp_path / ".env").write_text(
        "# written by the operator\n"
        "ORDER_COMPLETION_PORT=8123\n"
        "ORDER_COMPLETION_LOG_LEVEL=debug\n"
        "ORDER_COMPLETION_METRICS_NEED_TOKEN=true\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("in_folder_with_env_file")
def test_settings_are_read_from_the_env_file() -> None:
    settings = Settings()
    assert (settings.port, settings.log_level, settings.metrics_need_token) == (8123, "debug", True)


@pytest.mark.usefixtures("in_folder_with_env_file")
def test_the_environment_wins_over_the_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_COMPLETION_PORT", "9000")
    settings = Settings()
    assert (settings.port, settings.log_level) == (9000, "debug")


def test_without_an_env_file_the_defaults_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDER_COMPLETION_PORT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().port == 8000


def test_make_run_passes_port_and_host_to_serve() -> None:
    if shutil.which("make") is None:
        unavailable("make is not installed")
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8080", "HOST=0.0.0.0"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    (serve,) = [line for line in dry_run.stdout.splitlines() if " serve" in line]
    assert serve.split() == [
        ".venv/bin/order-completion",
        "serve",
        "--port",
        "8080",
        "--host",
        "0.0.0.0",
    ]
