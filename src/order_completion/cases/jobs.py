"""Timer jobs the case itself owns: jeopardy warning and breach."""

from __future__ import annotations

from order_completion.cases.rules import Jeopardy
from order_completion.cases.service import CaseUnit
from order_completion.timers.tables import Timer


async def on_jeopardy_warning(unit: CaseUnit, timer: Timer) -> str:
    if unit.case.jeopardy != Jeopardy.NONE.value:
        return "superseded"
    unit.raise_jeopardy(Jeopardy.WARNING)
    return "warned"


async def on_jeopardy_breach(unit: CaseUnit, timer: Timer) -> str:
    unit.raise_jeopardy(Jeopardy.BREACH)
    return "breached"
