"""Pure rules of outbound calls: the states a call goes through and what an attempt's
outcome makes of it.

An outbound call is one piece of work for a system we do not own (activate a product in
inventory, patch the product order, send the customer a message). It is tried on a retry
schedule until it is done, fails for good, or an operator settles it by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CallKind(StrEnum):
    """Which adapter performs a call; the values are stored on the rows."""

    PRODUCT_ORDER = "productOrder"  # TMF622: the order's acceptance milestone
    PRODUCT_INVENTORY = "productInventory"  # TMF637: one call per order item
    CUSTOMER = "customer"  # TMF629: contacts met during completion
    BILLING = "billing"  # billing starts from the start-of-service date
    MESSAGE = "message"  # a message to the customer
    CERTIFICATE = "certificate"  # the acceptance certificate, rendered by the worker


class CallState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or being attempted, under a lease)
    DONE = "done"  # the peer took it
    FAILED = "failed"  # the peer refused it for good, or every attempt failed
    SETTLED = "settled"  # an operator said it was done by other means, with a reason


OPEN = frozenset({CallState.PENDING})
FINISHED = frozenset({CallState.DONE, CallState.SETTLED})
# What an operator may still settle by hand: not yet done, whether still tried or not.
UNFINISHED = frozenset({CallState.PENDING, CallState.FAILED})


def all_finished(states: Iterable[CallState]) -> bool:
    """Work made of several calls (the customer update) is over once each is done or
    settled; a failed one waits for an operator."""
    return all(state in FINISHED for state in states)


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt came to: ``result`` when the peer took it, else the error and
    whether another attempt may help."""

    result: dict[str, object] | None = None
    error: str | None = None
    retryable: bool = False

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Verdict:
    """The call's state after an attempt, and when to try again while it is pending."""

    state: CallState
    next_attempt_at: datetime | None


def judge(outcome: AttemptOutcome, next_slot: datetime | None) -> Verdict:
    """``next_slot`` is when the schedule allows the next attempt (``None`` once it is
    used up); a refusal that retrying cannot help fails the call at once."""
    if outcome.succeeded:
        return Verdict(CallState.DONE, None)
    if outcome.retryable and next_slot is not None:
        return Verdict(CallState.PENDING, next_slot)
    return Verdict(CallState.FAILED, None)
