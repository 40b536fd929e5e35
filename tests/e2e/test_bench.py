"""``order-completion bench`` runs end to end on a tiny load and reports every path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_benchmark_measures_both_suites_and_writes_markdown(tmp_path: Path) -> None:
    report = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "order_completion",
            "bench",
            "--cases",
            "20",
            "--database",
            "sqlite",
            "--markdown",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    for path in (
        "service layer",
        "HTTP (serve process)",
        "raw insert of the same rows",
        "deliveries (backlog drained), 1 subscription",
        "deliveries (backlog drained), 9 subscriptions |",
        "deliveries (backlog drained), 9 subscriptions + 1 hanging receiver",
        "commit → first attempt",
        "plain POSTs to the receiver (baseline)",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "Command: `order-completion bench --cases 20" in text


def test_the_timer_benchmark_fires_a_burst_and_measures_the_lag(tmp_path: Path) -> None:
    report = tmp_path / "timers.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "order_completion",
            "bench",
            "--suite",
            "timers",
            "--timers",
            "30",
            "--timer-rate",
            "10",
            "--timer-seconds",
            "2",
            "--timer-backlog",
            "500",
            "--database",
            "sqlite",
            "--markdown",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    for path in (
        "deemed acceptances fired by the worker",
        "due query + UPDATE of the same timers (baseline)",
        "due → fired lag at 10/s over 500 pending",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "| sqlite | deemed acceptances fired by the worker | 30 |" in text


def test_the_reads_suite_seeds_cases_and_measures_every_read(tmp_path: Path) -> None:
    report = tmp_path / "reads.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "order_completion",
            "bench",
            "--suite",
            "reads",
            "--database",
            "sqlite",
            "--scale",
            "60",
            "--requests",
            "20",
            "--connections",
            "4",
            "--markdown",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    for path in (
        "GET one case",
        "GET history page (limit 20)",
        "list state + relatedParty.id (limit 20, counted)",
        "list state=active (limit 20, counted)",
        "list unfiltered (limit 20, counted)",
    ):
        assert f"| sqlite | {path} | 20 |" in text, path
    assert "minimal app (baseline) | 20 |" in text
    assert "sqlite: serve RSS " in text
