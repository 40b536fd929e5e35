"""Pure delivery policy: what an answer means, and when to try again.

- 2xx: delivered.
- 410 Gone: the receiver asks us to stop; the delivery fails and the subscription is disabled.
- 408, 409, 425, 429: the receiver is busy; try again (after ``Retry-After`` when given),
  without counting against the subscription's health.
- anything else (3xx, other 4xx, 5xx, timeouts, refused connections): a failed attempt; try
  again on the schedule, and fail the delivery after the last attempt.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

DEFAULT_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
BUSY = frozenset({408, 409, 425, 429})
JITTER = 0.1


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # a failed attempt; the schedule decides what comes next
    BUSY = "busy"  # try again, not the receiver's fault
    GONE = "gone"  # stop, and disable the subscription


def judge(status_code: int | None) -> Verdict:
    """``None`` stands for no answer at all (timeout, refused, reset)."""
    if status_code is not None and 200 <= status_code < 300:
        return Verdict.DELIVERED
    if status_code == 410:
        return Verdict.GONE
    if status_code in BUSY:
        return Verdict.BUSY
    return Verdict.RETRY


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; ``None`` when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment - now, timedelta(0))


@dataclass(frozen=True)
class Next:
    """When to try again, or ``None`` to give up."""

    at: datetime | None


def next_attempt(
    attempts_made: int,
    now: datetime,
    *,
    schedule: Sequence[timedelta] = DEFAULT_SCHEDULE,
    wait_at_least: timedelta | None = None,
    rand: Callable[[], float] = random.random,
) -> Next:
    """After ``attempts_made`` attempts, the time of the next one (with ±10 % jitter), or
    ``None`` once the schedule is used up. ``wait_at_least`` honours ``Retry-After``."""
    if attempts_made >= len(schedule):
        return Next(None)
    delay = schedule[attempts_made]
    jittered = delay * (1 + JITTER * (2 * rand() - 1))
    if wait_at_least is not None:
        jittered = max(jittered, wait_at_least)
    return Next(now + jittered)


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """``"0,5s,5m,30m,2h"`` → the delays before each attempt."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    delays = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        if item == "0":
            delays.append(timedelta(0))
            continue
        number, unit = item[:-1], item[-1]
        if unit not in units or not number.isdigit():
            raise ValueError(f"{item!r} is not a delay like 5s, 5m, 2h or 1d")
        delays.append(timedelta(seconds=int(number) * units[unit]))
    if not delays:
        raise ValueError("the retry schedule needs at least one delay")
    return tuple(delays)
