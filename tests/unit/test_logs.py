"""Logging set up by a command writes to standard error as it is at each line."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from order_completion import logs


def test_lines_go_to_the_current_standard_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run inside a test runner that swaps standard error afterwards (as click's
    runner does) must not leave logging writing to a stream that was closed."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        monkeypatch.setattr("sys.stderr", io.StringIO())
        logs.configure("info")
        later = io.StringIO()
        monkeypatch.setattr("sys.stderr", later)
        structlog.get_logger("test").info("to.the.current.stream", case_id="C-1")
    finally:
        root.handlers, root.level = handlers, level
    (line,) = [json.loads(text) for text in later.getvalue().splitlines()]
    assert (line["event"], line["case_id"], line["level"]) == (
        "to.the.current.stream",
        "C-1",
        "info",
    )
