"""The TMF646 appointment life cycle: initialized → confirmed or cancelled; confirmed →
completed or failed. Nothing leaves completed, failed or cancelled."""

from __future__ import annotations

from enum import StrEnum


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
