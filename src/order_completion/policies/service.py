"""The policies in force: lookup by id and selection for an incoming order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from order_completion.errors import InvalidInput
from order_completion.policies.schema import AppliesTo, Policy


@dataclass(frozen=True)
class OrderFacts:
    """What selection looks at in a product order."""

    category: str | None
    customer_segment: str | None
    product_offerings: Sequence[str]


def _matches(values: Iterable[str], wanted: list[str]) -> bool:
    if not wanted:
        return True
    wanted_lower = {item.lower() for item in wanted}
    return any(value.lower() in wanted_lower for value in values)


def applies(rule: AppliesTo, facts: OrderFacts) -> bool:
    return (
        _matches([facts.category] if facts.category else [], rule.order_category)
        and _matches(
            [facts.customer_segment] if facts.customer_segment else [], rule.customer_segment
        )
        and _matches(facts.product_offerings, rule.product_offering)
    )


def _specificity(rule: AppliesTo) -> int:
    return sum(
        1
        for values in (rule.order_category, rule.customer_segment, rule.product_offering)
        if values
    )


class PolicyBook:
    """Every policy by id; chooses the one that fits an order."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self._by_id = {policy.id: policy for policy in policies}
        if not self._by_id:
            raise ValueError("at least one policy is needed")

    def all(self) -> list[Policy]:
        return sorted(self._by_id.values(), key=lambda policy: policy.id)

    def get(self, policy_id: str) -> Policy:
        try:
            return self._by_id[policy_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id))
            raise InvalidInput(
                f"unknown policy {policy_id!r}; known policies: {known}", field="policy"
            ) from None

    def select(self, facts: OrderFacts) -> Policy:
        """Highest priority wins, then the more specific rule, then the id (for a stable answer)."""
        candidates = [
            policy for policy in self._by_id.values() if applies(policy.applies_to, facts)
        ]
        if not candidates:
            raise InvalidInput(
                "no policy applies to this order and no default policy is loaded",
                field="productOrder",
            )
        return min(
            candidates,
            key=lambda policy: (-policy.priority, -_specificity(policy.applies_to), policy.id),
        )
