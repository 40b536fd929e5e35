"""``bench --cases N`` sizes every suite; ``--timers`` and ``--scale`` still win."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from order_completion.bench import b2c, delivery, suites
from order_completion.bench.measure import Result
from order_completion.bench.suites import Options


def test_cases_size_the_timers_and_reads_suites_too() -> None:
    options = Options.sized(cases=40, timers=None, scale=None, concurrency=8)
    assert (options.cases, options.timers, options.scale) == (40, 40, 40)


def test_timers_and_scale_given_win_over_cases() -> None:
    options = Options.sized(cases=40, timers=300, scale=500, concurrency=8)
    assert (options.cases, options.timers, options.scale) == (40, 300, 500)


def test_without_cases_each_suite_keeps_its_own_size() -> None:
    options = Options.sized(cases=None, timers=None, scale=None, concurrency=8)
    assert (options.cases, options.timers, options.scale) == (1_000, 10_000, 20_000)


async def test_the_delivery_suite_opens_as_many_orders_as_cases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[int] = []

    async def bench_target(_target: Any, cases: int, _progress: Any) -> list[Result]:
        asked.append(cases)
        return []

    monkeypatch.setattr(delivery, "bench_target", bench_target)
    target = b2c.sqlite_target(tmp_path)
    await suites.deliveries(target, Options(cases=12, concurrency=1), lambda _text: None)
    assert asked == [12]
