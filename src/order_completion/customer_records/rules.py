"""Pure rules of the customer update: which systems a case must update, and when the step
is done with them.

Each target (order management, product inventory per item, the customer record, billing)
is one outbound call; the step tracks each call's state and completes once every one is
done or settled by an operator. A call that failed for good puts the case in fallout.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Target(StrEnum):
    PRODUCT_ORDER = "productOrder"  # TMF622
    PRODUCT_INVENTORY = "productInventory"  # TMF637, one call per order item
    CUSTOMER = "customer"  # TMF629
    BILLING = "billing"


class TargetState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SETTLED = "settled"


FINISHED = frozenset({TargetState.DONE, TargetState.SETTLED})


def purpose_of(target: Target, item_id: str | None = None) -> str:
    """The call's purpose, unique within the case: one per target, one per item for
    inventory."""
    return f"{target.value}:{item_id}" if item_id is not None else target.value


def all_finished(targets: Mapping[str, Mapping[str, Any]]) -> bool:
    return all(TargetState(entry["state"]) in FINISHED for entry in targets.values())


def failed(targets: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return sorted(
        purpose
        for purpose, entry in targets.items()
        if TargetState(entry["state"]) is TargetState.FAILED
    )
