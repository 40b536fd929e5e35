"""Fixtures of the integration tests that talk to the systems around the service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox_peers import RunningSandbox, start_sandbox, stop_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The sandbox peers (TMF622, TMF637, TMF629) in a process of their own, one per test
    module: each test makes its own orders and customers there."""
    folder = tmp_path_factory.mktemp("sandbox")
    running = start_sandbox(folder / "sandbox.db", folder / "sandbox.log")
    yield running
    stop_sandbox(running)
