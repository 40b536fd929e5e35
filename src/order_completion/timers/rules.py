"""Pure rules of timers: their kinds and states, what a due timer carries, and how long a
timer whose job failed waits before it is tried again.

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class TimerKind(StrEnum):
    ACCEPTANCE_WINDOW_END = "acceptanceWindowEnd"
    ACCEPTANCE_REMINDER = "acceptanceReminder"
    JEOPARDY_WARNING = "jeopardyWarning"
    JEOPARDY_BREACH = "jeopardyBreach"
    TRAINING_DUE = "trainingDue"
    SURVEY_AUTO_CLOSE = "surveyAutoClose"


class TimerState(StrEnum):
    PENDING = "pending"  # waits for its due time
    PAUSED = "paused"  # its case is on hold; due time shifts by the hold when resumed
    FIRED = "fired"  # its job ran and committed
    CANCELLED = "cancelled"  # what it waited for happened first
    FAILED = "failed"  # its job raised on every attempt; an operator must look


OPEN_STATES = frozenset({TimerState.PENDING, TimerState.PAUSED})


@dataclass(frozen=True)
class DueTimer:
    """A timer as its job sees it when it fires."""

    id: str
    case_id: str
    kind: TimerKind
    due_at: datetime
    step_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


# A failing job is tried again after 10 s, 20 s, 40 s, ... (at most an hour apart); after
# MAX_ATTEMPTS tries in all the timer is marked failed, so one broken job never starves the
# others and never retries unseen for ever.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 6


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (1 for the first failure)."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    delay: timedelta = FIRST_RETRY * (2 ** (attempts - 1))
    return min(delay, LONGEST_RETRY)


def gives_up(attempts: int, limit: int = MAX_ATTEMPTS) -> bool:
    """Whether a timer that has now failed ``attempts`` times is marked failed."""
    return attempts >= limit
