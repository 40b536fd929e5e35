"""The TMF646 appointment life cycle: initialized → confirmed or cancelled; confirmed →
completed or failed. Nothing leaves completed, failed or cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, NamedTuple


class Status(StrEnum):
    INITIALIZED = "initialized"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"


class Category(StrEnum):
    COMMISSIONING = "commissioning"
    TRAINING = "training"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.INITIALIZED: frozenset({Status.CONFIRMED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.COMPLETED, Status.FAILED}),
    Status.CANCELLED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.FAILED: frozenset(),
}
OPEN = frozenset({Status.INITIALIZED, Status.CONFIRMED})
# Our steps act on these categories only, and only for a case: an appointment of a case is
# one of them, and one of them is always a case's.
CASE_CATEGORIES = frozenset(Category)
# Statuses that take the appointment out of the attendees' calendars. A failed appointment
# is over without having achieved what it was booked for (a retest books a new one), so it
# must not stay there as a booked event; and RFC 5546 allows STATUS:CANCELLED only with
# METHOD:CANCEL (a REQUEST is TENTATIVE or CONFIRMED).
WITHDRAWN = frozenset({Status.CANCELLED, Status.FAILED})
# The iCalendar STATUS (RFC 5545 3.8.1.11) of an appointment in each status.
CALENDAR_STATUS = {
    Status.INITIALIZED: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
    Status.FAILED: "CANCELLED",
}
TRAINING_ATTRIBUTES = ("topic", "attendee", "trainer")
CUSTOMER_ROLE = "customer"


class Problem(NamedTuple):
    """Why a request is refused, and the attribute to blame."""

    field: str
    message: str


def allowed(current: Status, requested: Status) -> bool:
    return requested in TRANSITIONS[current]


def path_to(current: Status, target: Status) -> list[Status]:
    """The statuses to pass through to reach ``target`` when an outcome is reported for an
    appointment nobody confirmed (a session that happened was, in effect, confirmed)."""
    if allowed(current, target):
        return [target]
    if current is Status.INITIALIZED and allowed(Status.CONFIRMED, target):
        return [Status.CONFIRMED, target]
    return []


def booking_problem(category: str | None, *, for_case: bool) -> Problem | None:
    """What keeps an appointment of ``category`` from being booked for a case (or for
    none): a case's appointment is a commissioning visit or a training session, and those
    need the case whose step they serve."""
    ours = category in CASE_CATEGORIES
    if for_case and not ours:
        return Problem(
            "category", "an appointment of a completion case is commissioning or training"
        )
    if not for_case and ours:
        return Problem(
            "relatedEntity",
            f"a {category} appointment needs its completion case (@referredType CompletionCase)",
        )
    return None


def training_attributes_problem(category: str | None, given: Iterable[str]) -> Problem | None:
    """Topics, a trainer and attendees describe a training session, nothing else."""
    if category == Category.TRAINING.value:
        return None
    named = [name for name in TRAINING_ATTRIBUTES if name in set(given)]
    if not named:
        return None
    return Problem(named[0], "topic, trainer and attendee are for training appointments")


def is_customer(party: dict[str, Any]) -> bool:
    return str(party.get("role", "")).lower() == CUSTOMER_ROLE


def case_parties(
    customer: Iterable[dict[str, Any]], sent: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The parties of a case's appointment: the case's customer first, as the case knows
    it, then the others sent (a party sent as the customer cannot replace the case's)."""
    return [*customer, *(party for party in sent if not is_customer(party))]
