"""Commands on a case as a whole: hold, resume, cancel, and firing its timers.

Each handler owns its unit of work: it opens it, loads the case, calls the aggregate's
intents and lets the unit of work save the case with its history, events and timers in one
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from order_completion.audit import SYSTEM, Actor
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import TimerResult
from order_completion.cases.rules import CaseState
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.timers.rules import DueTimer


@dataclass(frozen=True)
class ChangeState:
    case_id: str
    state: CaseState
    reason: str | None
    actor: Actor


async def change_state(uow: UnitOfWork, cmd: ChangeState) -> None:
    """Hold (timers pause), resume (timers shift by the hold) or cancel a case."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        case.request_state(cmd.state, cmd.reason)


class Firing(StrEnum):
    """What became of one attempt to fire a timer."""

    FIRED = "fired"
    BUSY = "busy"  # another transaction holds the case; the timer comes back next round
    GONE = "gone"  # fired, cancelled or paused meanwhile


@dataclass(frozen=True)
class FireTimer:
    timer_id: str
    case_id: str


@dataclass(frozen=True)
class TimerFired:
    firing: Firing
    result: TimerResult | None = None


async def fire_timer(uow: UnitOfWork, cmd: FireTimer) -> TimerFired:
    """Run a due timer's job on its case, at most once.

    The case row is locked first (another worker holding it is skipped, not waited for),
    then the timer is re-read as still pending under lock; the job's effect and the timer's
    ``fired`` mark commit together.
    """
    async with uow:
        case = await uow.load_unless_busy(cmd.case_id, SYSTEM)
        if case is None:
            return TimerFired(Firing.BUSY)
        timer = await uow.timers.claim(cmd.timer_id)
        if timer is None:
            return TimerFired(Firing.GONE)
        result = case.on_timer(timer)
        await uow.timers.mark_fired(timer.id, now=uow.now, result=result.value)
        return TimerFired(Firing.FIRED, result)


@dataclass(frozen=True)
class FireTimers:
    """Many due timers, at most one of each case."""

    timers: Sequence[FireTimer]


async def fire_timers(uow: UnitOfWork, cmd: FireTimers) -> list[TimerFired | Exception]:
    """Run many due timers' jobs, each on its own case, in one transaction: one outcome per
    timer, in order.

    The same guarantees as ``fire_timer``, for a fraction of its statements: the cases are
    locked first (those another worker holds are skipped), then the timers still pending are
    claimed under lock, and each job's effect commits with its timer's ``fired`` mark. A job
    that raises comes back as its exception, and its case, with whatever the job changed, is
    left unsaved while the other cases commit.
    """
    case_ids = [command.case_id for command in cmd.timers]
    if len(set(case_ids)) != len(case_ids):
        raise ValueError("a batch of timers holds at most one timer of each case")
    async with uow:
        cases = await uow.cases.get_many(case_ids, skip_locked=True)
        for case in cases.values():
            case.begin(uow.now, SYSTEM.name, uow.behaviour)
        claimed = await uow.timers.claim_many(
            [command.timer_id for command in cmd.timers if command.case_id in cases]
        )
        outcomes: list[TimerFired | Exception] = []
        for command in cmd.timers:
            loaded, timer = cases.get(command.case_id), claimed.get(command.timer_id)
            if loaded is None:
                outcomes.append(TimerFired(Firing.BUSY))
            elif timer is None:
                uow.cases.forget(loaded)  # nothing to do on it: no write either
                outcomes.append(TimerFired(Firing.GONE))
            else:
                outcomes.append(_run_job(uow, loaded, timer))
        fired = {
            command.timer_id: outcome.result.value
            for command, outcome in zip(cmd.timers, outcomes, strict=True)
            if isinstance(outcome, TimerFired) and outcome.result is not None
        }
        await uow.timers.mark_fired_many(fired, now=uow.now)
    return outcomes


def _run_job(uow: UnitOfWork, case: CompletionCase, timer: DueTimer) -> TimerFired | Exception:
    try:
        result = case.on_timer(timer)
    except Exception as error:  # this case's failure, not the batch's
        uow.cases.forget(case)
        return error
    return TimerFired(Firing.FIRED, result)


@dataclass(frozen=True)
class GiveUpTimer:
    timer: DueTimer
    error: str


async def give_up_timer(uow: UnitOfWork, cmd: GiveUpTimer) -> None:
    """A timer failed on every attempt: mark it failed, and say so on its case (history
    and a jeopardy alert) so an operator looks. The case is locked before the timer, in
    the same order as every other command, so the two cannot deadlock; a timer that fired
    or was cancelled meanwhile is left alone."""
    async with uow:
        case = await uow.load(cmd.timer.case_id, SYSTEM)
        marked = await uow.timers.record_failure(
            cmd.timer.id, attempts=cmd.timer.attempts, error=cmd.error, retry_at=None
        )
        if marked:
            case.timer_failed(cmd.timer, cmd.error)
