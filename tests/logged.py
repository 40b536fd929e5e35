"""Capture the service's JSON log lines in a test, as ``logs.configure`` writes them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from order_completion import logs


class LogLines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        """Every line written so far, each parsed (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("event") == event]


@contextmanager
def captured_logs(level: str = "info") -> Iterator[LogLines]:
    """Configure logging as the CLI does, into a buffer; put the root logger back after."""
    root = logging.getLogger()
    handlers, previous_level = root.handlers[:], root.level
    lines = LogLines()
    logs.configure(level, stream=lines.stream)
    try:
        yield lines
    finally:
        root.handlers, root.level = handlers, previous_level
