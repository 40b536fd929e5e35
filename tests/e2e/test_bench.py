"""``order-completion bench`` runs end to end on a tiny load and reports every path."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def bench(tmp_path: Path, *arguments: str) -> str:
    """Run the bench with ``arguments`` and a Markdown report; the report."""
    report = tmp_path / "bench.md"
    result = subprocess.run(
        [sys.executable, "-m", "order_completion", "bench", *arguments, "--markdown", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return report.read_text()


def test_the_benchmark_measures_its_suites_and_sums_them_up(tmp_path: Path) -> None:
    # One run of four suites (and scaleout, which skips SQLite): each bench run has
    # start-up costs of its own.
    text = bench(
        tmp_path,
        "--suite",
        "orders,delivery,import,inbound,scaleout",
        "--cases",
        "12",
        "--database",
        "sqlite",
    )
    for path in (
        "service layer",
        "HTTP (serve process)",
        "raw insert of the same rows",
        "sqlite3, 1 case/transaction (raw limit)",
        "sqlite3, 100 cases/transaction (raw limit)",
        "deliveries (backlog drained)",
        "deliveries (backlog drained), 1 subscription",
        "deliveries (backlog drained), 9 subscriptions |",
        "deliveries (backlog drained), 9 subscriptions + 1 hanging receiver",
        "commit → first attempt",
        "plain POSTs to the receiver (baseline)",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "Command: `order-completion bench --suite orders,delivery,import,inbound" in text
    assert "- scaleout: measured on PostgreSQL only" in text
    assert "- cpu: " in text
    summary = text.split("### Summary")[1].split("###")[0]
    assert "| figure | target | measured | raw limit | ratio |" in summary
    for figure in (
        "B2C orders through the handlers (sqlite) | ≥ 1,000/s |",
        "B2C orders over HTTP (sqlite) | ≥ 500/s |",
        "rows written per B2C case (sqlite) | ≤ 10.0 | 10.0 ✓ | — | — |",
        "KB written per B2C case (sqlite) | — |",
        "KB at rest per completed B2C case (sqlite) | ≤ 5.00 KB |",
        "webhook deliveries to a local receiver (sqlite) | ≥ 1,000/s |",
        "commit → first delivery attempt, p95 (sqlite) | ≤ 200 ms |",
    ):
        assert f"| {figure}" in summary, figure
    for table in ("completion_case", "case_step", "case_order_item", "case_history"):
        assert f"| sqlite | {table} |" in text, table
    # The outbox batch is written, and once past retention it keeps nothing.
    assert re.search(r"\| sqlite \| outbox_batch \| 1\.0 \| [1-9][\d,]* \| 0 \|", text)
    for path in (
        "import-orders of 12 orders (wall clock) | 12 |",
        "import-orders net of start-up",
        "sqlite3, 100 cases/transaction (raw limit) | 12 |",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "| import-orders from NDJSON (sqlite) | ≥ 1,000/s |" in text
    for path in (
        "TMF622 events to serve (each opens a case) | 12 |",
        "the same events again (duplicates) | 2 |",
        "minimal ASGI app answering 201 (baseline) | 12 |",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "| inbound TMF622 events (sqlite) | ≥ 1,000/s |" in text
    assert "| repeated inbound events with a second effect (sqlite) | ≤ 0 | 0 ✓ | — | — |" in text


def test_the_timer_benchmark_fires_a_burst_and_measures_the_lag(tmp_path: Path) -> None:
    text = bench(
        tmp_path,
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
    )
    for path in (
        "deemed acceptances fired by the worker",
        "due query + UPDATE of the same timers (baseline)",
        "due → fired lag at 10/s over 500 pending",
    ):
        assert f"| sqlite | {path}" in text, path
    assert "| sqlite | deemed acceptances fired by the worker | 30 |" in text


def test_the_reads_suite_seeds_cases_and_measures_every_read(tmp_path: Path) -> None:
    text = bench(
        tmp_path,
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
    )
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
    assert re.search(r"seeding took \d+ s; the database takes [\d,]+ MB on disk", text)
    summary = text.split("### Summary")[1]
    for figure in (
        "GET one case (sqlite) | ≥ 2,000/s |",
        "GET one case, p95 (sqlite) | ≤ 20.0 ms |",
        "list state + relatedParty.id (limit 20, counted), p95 (sqlite) | ≤ 50.0 ms |",
        "serve peak RSS over 60 cases (sqlite) | ≤ 150 MB |",
    ):
        assert f"| {figure}" in summary, figure
