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


def ratio(result: Result, baseline: Result | None) -> str:
    if baseline is None or not baseline.rate or baseline is result:
        return "baseline" if baseline is result else ""
    return f"{result.rate / baseline.rate:.0%}"


def rows(results: Sequence[Result]) -> list[list[str]]:
    baselines = {r.database: r for r in results if r.label.startswith("raw insert")}
    return [
        [
            r.database,
            r.label,
            str(r.count),
            f"{r.rate:,.0f}",
            f"{r.percentile(0.5):.1f}",
            f"{r.percentile(0.95):.1f}",
            f"{r.percentile(0.99):.1f}",
            ratio(r, baselines.get(r.database)),
        ]
        for r in results
    ]


HEADERS = ["database", "path", "cases", "cases/s", "p50 ms", "p95 ms", "p99 ms", "of raw insert"]


def markdown(
    results: Sequence[Result], command: str, machine: dict[str, str], versions: dict[str, str]
) -> str:
    lines = [f"Command: `{command}`", ""]
    lines += [f"- {key}: {value}" for key, value in {**machine, **versions}.items()]
    lines += ["", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines) + "\n"
