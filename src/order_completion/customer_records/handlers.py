"""Commands of the customer update: what an outbound call's attempt came to, and an
operator's retry or settlement of a fallout. Each changes the case and the call rows in one
unit of work.

The step tracks each of its calls under ``targets``: those it started with, and those owed
once it had completed (a contact met late, who still reaches the customer record). A late
call's end shows on the case like any other's, and when it fails for good the case is in
fallout until an operator retries or settles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.audit import SYSTEM, Actor
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import HistoryAction
from order_completion.cases.rules import CaseState, StepState
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.customer_records.behaviour import complete_update, customer_update_step
from order_completion.customer_records.calls import TARGET_KINDS
from order_completion.errors import Conflict
from order_completion.outbound import store as outbound
from order_completion.outbound.commands import RecordCall
from order_completion.outbound.rules import (
    UNFINISHED,
    CallKind,
    CallState,
    all_finished,
)

Targets = dict[str, dict[str, Any]]


def _update_of(case: CompletionCase) -> tuple[Step, Targets] | None:
    """The customer update step and a copy of its targets to change, if the case has one."""
    step = customer_update_step(case)
    if step is None:
        return None
    targets = step.data.get("targets")
    tracked = targets.items() if isinstance(targets, dict) else ()
    return step, {purpose: dict(entry) for purpose, entry in tracked}


def _owes_operator(case: CompletionCase, step: Step) -> bool:
    """Whether the update's calls are the operator's concern: while the step waits, and
    once it completed, for calls owed since, unless the case was cancelled."""
    if step.state is StepState.ACTIVE:
        return True
    return step.state is StepState.COMPLETED and case.state is not CaseState.CANCELLED


async def record_attempt(uow: UnitOfWork, cmd: RecordCall) -> None:
    """The call's row and the case's view of its target change together."""
    async with uow:
        case = await uow.load(cmd.call.case_id, SYSTEM)
        current = await outbound.record(uow.session, cmd.call, cmd.outcome, cmd.verdict, uow.now)
        update = _update_of(case)
        if not current or update is None:
            return
        step, targets = update
        purpose, state = cmd.call.purpose, cmd.verdict.state
        # A call owed after the step completed is tracked from its first attempt on.
        targets[purpose] = {
            **targets.get(purpose, {"target": cmd.call.kind}),
            "state": state.value,
            "attempts": cmd.call.attempt,
            "lastError": cmd.outcome.error,
        }
        product = (cmd.outcome.result or {}).get("productId")
        if cmd.call.kind == CallKind.PRODUCT_INVENTORY and product:
            case.note_product(str(cmd.call.payload["itemId"]), str(product))
            targets[purpose]["productId"] = product
        case.annotate(step, targets=targets)
        case.record(
            HistoryAction.CUSTOMER_UPDATE_ATTEMPTED,
            step=step,
            target=purpose,
            attempt=cmd.call.attempt,
            state=state.value,
            error=cmd.outcome.error,
        )
        _settle_step(case, step, targets, cmd.outcome.error)


def _settle_step(case: CompletionCase, step: Step, targets: Targets, error: str | None) -> None:
    """A waiting step completes once every call is finished; a call failed for good, made
    before or after the step completed, puts the case in fallout."""
    if not _owes_operator(case, step):
        return
    if step.state is StepState.ACTIVE and all_finished(_states(targets)):
        complete_update(case, step, sorted(targets))
    elif (failed := in_state(targets, CallState.FAILED)) and not case.in_fallout:
        case.fall_out(step, failed, error)


@dataclass(frozen=True)
class RetryCustomerUpdate:
    case_id: str
    actor: Actor


async def retry_customer_update(uow: UnitOfWork, cmd: RetryCustomerUpdate) -> list[str]:
    """Failed targets start over, due now, on a fresh schedule; 409 when none failed."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        step, targets = _update_in_hand(case)
        again = in_state(targets, CallState.FAILED)
        if not again:
            raise Conflict("no system of the customer update failed; nothing to retry")
        for purpose in again:
            targets[purpose] = {**targets[purpose], "state": CallState.PENDING.value}
        await outbound.retry(uow.session, case.id, uow.now, kinds=TARGET_KINDS)
        case.recover()
        case.annotate(step, targets=targets)
        case.record(HistoryAction.CUSTOMER_UPDATE_RETRIED, step=step, targets=again)
        return again


@dataclass(frozen=True)
class SettleCustomerUpdate:
    case_id: str
    reason: str
    actor: Actor


async def settle_customer_update(uow: UnitOfWork, cmd: SettleCustomerUpdate) -> list[str]:
    """An operator says the systems not yet updated were updated by other means: the
    reason is kept, and a step still waiting completes."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        step, targets = _update_in_hand(case)
        settled = in_state(targets, *UNFINISHED)
        for purpose in settled:
            targets[purpose] = {**targets[purpose], "state": CallState.SETTLED.value}
        await outbound.settle(uow.session, case.id, cmd.reason, uow.now, kinds=TARGET_KINDS)
        case.annotate(step, targets=targets)
        case.record(
            HistoryAction.CUSTOMER_UPDATE_SETTLED, step=step, targets=settled, reason=cmd.reason
        )
        if step.state is StepState.ACTIVE:
            complete_update(case, step, sorted(targets))
        else:
            case.recover()
        return settled


def _update_in_hand(case: CompletionCase) -> tuple[Step, Targets]:
    """The customer update an operator may act on: the step waiting on other systems, or
    a completed one with calls owed since that are not finished; else 409."""
    update = _update_of(case)
    if update is not None and update[0].state is StepState.ACTIVE:
        case.require_active()
        return update
    if update is not None and _owes_operator(case, update[0]) and in_state(update[1], *UNFINISHED):
        return update
    raise Conflict("the customer update of this case is not waiting on other systems")


def _states(targets: Targets) -> list[CallState]:
    return [CallState(entry["state"]) for entry in targets.values()]


def in_state(targets: Targets, *states: CallState) -> list[str]:
    """The targets (purposes) whose calls are in one of ``states``, in order."""
    return sorted(
        purpose for purpose, entry in targets.items() if CallState(entry["state"]) in states
    )
