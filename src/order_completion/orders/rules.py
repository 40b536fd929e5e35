"""Pure rules of intake: which product orders a completion case is opened for, how far the
reconciliation with order management has looked, and which process registers our listener
at its hub.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum


def in_trigger_state(state: str | None, trigger_states: Iterable[str]) -> bool:
    """Whether an order in ``state`` is delivered enough to open its case: the same rule
    for the listener, the API and imports (case-insensitive, as order managers spell
    states differently; an order without a state is in none)."""
    return (state or "").lower() in {trigger.lower() for trigger in trigger_states}


def reconciled_until(
    since: datetime,
    started: datetime,
    changed: Iterable[datetime],
    refused: Iterable[datetime | None],
    overlap: timedelta,
) -> datetime:
    """Where the next look at order management's orders starts (less ``overlap``), after a
    look from ``since`` begun at ``started`` that saw orders ``changed`` at those times.

    It moves past every order seen, and to at least ``overlap`` before this look began (the
    orders changed meanwhile are asked for again), but never past an order whose case could
    not be opened (``refused``): the next look takes that order again. A refused order whose
    change time is unknown keeps the mark where this look began.
    """
    held = list(refused)
    if any(at is None for at in held):
        return since
    furthest = max([since, started - overlap, *changed])
    return min([furthest, *(at for at in held if at is not None)])


class HubRegistration(StrEnum):
    """Whose turn it is to register our listener at order management's hub."""

    REGISTERED = "registered"  # the callback is registered already: nothing to do
    BUSY = "busy"  # another process is registering it now
    OURS = "ours"  # this process registers it


def hub_registration(
    registered: str | None,
    claimed_at: datetime | None,
    callback: str,
    now: datetime,
    lease: timedelta,
) -> HubRegistration:
    """Given the callback registered at the hub (if any) and when another process claimed
    the registration (if one did): a claim older than ``lease`` is of a process that
    stopped before it could finish, and is taken over."""
    if registered == callback:
        return HubRegistration.REGISTERED
    if claimed_at is not None and now - claimed_at < lease:
        return HubRegistration.BUSY
    return HubRegistration.OURS
