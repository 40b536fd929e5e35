"""Timer jobs the case itself owns: jeopardy warning and breach.

Jeopardy measures blocking work: once only non-blocking steps are left (the case is ready
for closure, a survey may still be open), no jeopardy is raised.
"""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import TimerResult
from order_completion.cases.rules import Jeopardy
from order_completion.timers.rules import DueTimer


def on_jeopardy_warning(case: CompletionCase, timer: DueTimer) -> TimerResult:
    if case.blocking_work_done():
        return TimerResult.BLOCKING_WORK_DONE
    if case.jeopardy is not Jeopardy.NONE:
        return TimerResult.SUPERSEDED
    case.raise_jeopardy(Jeopardy.WARNING)
    return TimerResult.WARNED


def on_jeopardy_breach(case: CompletionCase, timer: DueTimer) -> TimerResult:
    if case.blocking_work_done():
        return TimerResult.BLOCKING_WORK_DONE
    case.raise_jeopardy(Jeopardy.BREACH)
    return TimerResult.BREACHED
