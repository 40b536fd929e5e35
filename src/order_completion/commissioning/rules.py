"""Pure checks of a reported commissioning test against the policy's test plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemResult:
    name: str
    result: str


def problems_with_pass(plan: Sequence[str], items: Sequence[ItemResult]) -> list[str]:
    """Why a run reported as passed cannot be a pass: a failed item, or a planned test
    that was not run."""
    problems = [f"test item {item.name!r} failed" for item in items if item.result == "failed"]
    ran = {item.name for item in items if item.result == "passed"}
    problems += [f"planned test {name!r} has no passed result" for name in plan if name not in ran]
    return problems


def unplanned(plan: Sequence[str], items: Sequence[ItemResult]) -> list[str]:
    """Test items that are not in a non-empty plan."""
    if not plan:
        return []
    planned = set(plan)
    return [item.name for item in items if item.name not in planned]
