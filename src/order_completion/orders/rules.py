"""Pure rules of intake: which product orders a completion case is opened for.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable


def in_trigger_state(state: str | None, trigger_states: Iterable[str]) -> bool:
    """Whether an order in ``state`` is delivered enough to open its case: the same rule
    for the listener, the API and imports (case-insensitive, as order managers spell
    states differently; an order without a state is in none)."""
    return (state or "").lower() in {trigger.lower() for trigger in trigger_states}
