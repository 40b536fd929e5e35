"""What opening a case needs, decided before the case exists (by intake and the policy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from order_completion.cases.rules import StepKind


@dataclass(frozen=True)
class PlannedStep:
    kind: StepKind
    blocking: bool
    after: tuple[int, ...]
    config: dict[str, Any]


@dataclass(frozen=True)
class PlannedItem:
    id: str
    action: str
    offering_id: str | None
    offering_name: str | None


@dataclass(frozen=True)
class CasePlan:
    """Everything needed to open a case, already decided by the caller (intake + policy)."""

    product_order_id: str
    fingerprint: str
    category: str | None
    customer_id: str
    customer_name: str | None
    product_order: dict[str, Any]
    policy_id: str
    policy_version: int
    policy_name: str
    steps: Sequence[PlannedStep]
    items: Sequence[PlannedItem]
    jeopardy_warning_at: datetime | None = None
    jeopardy_breach_at: datetime | None = None
