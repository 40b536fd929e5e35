"""Timer jobs the case itself owns: jeopardy warning and breach."""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import TimerResult
from order_completion.cases.rules import Jeopardy
from order_completion.timers.rules import DueTimer


def on_jeopardy_warning(case: CompletionCase, timer: DueTimer) -> TimerResult:
    if case.jeopardy is not Jeopardy.NONE:
        return TimerResult.SUPERSEDED
    case.raise_jeopardy(Jeopardy.WARNING)
    return TimerResult.WARNED


def on_jeopardy_breach(case: CompletionCase, timer: DueTimer) -> TimerResult:
    case.raise_jeopardy(Jeopardy.BREACH)
    return TimerResult.BREACHED
