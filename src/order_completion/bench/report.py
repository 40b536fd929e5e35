"""What the benchmark ran on, and its results as a table and as Markdown."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from order_completion.bench.measure import Result


def hardware() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.1f} GiB"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def is_baseline(result: Result) -> bool:
    return result.label.startswith("raw insert") or "(baseline)" in result.label


def ratio(result: Result, baseline: Result | None) -> str:
    if baseline is None or not baseline.rate:
        return ""
    return "baseline" if baseline is result else f"{result.rate / baseline.rate:.0%}"


def _ms(result: Result, fraction: float) -> str:
    return f"{result.percentile(fraction):.1f}" if result.latencies else "—"


def rows(results: Sequence[Result]) -> list[list[str]]:
    baselines = {r.database: r for r in results if is_baseline(r)}
    by_label = {(r.database, r.label): r for r in results}

    def compared(r: Result) -> Result | None:
        if r.compared_with is not None:
            return by_label.get((r.database, r.compared_with))
        return baselines.get(r.database)

    return [
        [
            r.database,
            r.label,
            str(r.count),
            f"{r.seconds:,.1f}",
            f"{r.rate:,.0f}",
            _ms(r, 0.5),
            _ms(r, 0.95),
            _ms(r, 0.99),
            ratio(r, compared(r)),
            "—" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.2f}",
        ]
        for r in results
    ]


HEADERS = [
    "database",
    "path",
    "count",
    "seconds",
    "per second",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "of baseline",
    "server CPU ms/op",
]


def table_markdown(title: str, results: Sequence[Result]) -> list[str]:
    lines = [f"### {title}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows(results)] + [""]


def markdown(
    suites: dict[str, Sequence[Result]],
    command: str,
    machine: dict[str, str],
    versions: dict[str, str],
    notes: Sequence[str] = (),
) -> str:
    lines = [f"Command: `{command}`", ""]
    lines += [f"- {key}: {value}" for key, value in {**machine, **versions}.items()]
    lines.append("")
    for title, results in suites.items():
        lines += table_markdown(title, results)
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)
