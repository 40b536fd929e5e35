"""Time as a dependency, so tests and benchmarks control it and rules stay pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; used by tests."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


def iso(moment: datetime | None) -> str | None:
    """A moment as the APIs show it: ISO 8601 in UTC with a ``Z``."""
    if moment is None:
        return None
    return _iso(moment)


@lru_cache(maxsize=4096)
def _iso(moment: datetime) -> str:
    # A change renders the same few moments (its own time, the case's dates) in every event
    # and history entry it writes: a hundred and more times per consumer order. A moment
    # just parsed from a request still has the sender's offset; shown in UTC, the answer to
    # a POST is the same as the later GET's.
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")
