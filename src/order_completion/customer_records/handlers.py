"""Commands of the customer update: what an outbound call's attempt came to, and an
operator's retry or settlement of a fallout. Each changes the case and the call rows in one
unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.audit import SYSTEM, Actor
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import HistoryAction
from order_completion.cases.rules import StepState
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


def _tracked(case: CompletionCase) -> tuple[Step, dict[str, dict[str, Any]]] | None:
    step = customer_update_step(case)
    if step is None or not isinstance(step.data.get("targets"), dict):
        return None
    return step, {purpose: dict(entry) for purpose, entry in step.data["targets"].items()}


async def record_attempt(uow: UnitOfWork, cmd: RecordCall) -> None:
    """The call's row and the case's view of its target change together."""
    async with uow:
        case = await uow.load(cmd.call.case_id, SYSTEM)
        current = await outbound.record(uow.session, cmd.call, cmd.outcome, cmd.verdict, uow.now)
        tracked = _tracked(case)
        if not current or tracked is None or cmd.call.purpose not in tracked[1]:
            return
        step, targets = tracked
        state = cmd.verdict.state
        targets[cmd.call.purpose] = {
            **targets[cmd.call.purpose],
            "state": state.value,
            "attempts": cmd.call.attempt,
            "lastError": cmd.outcome.error,
        }
        product = (cmd.outcome.result or {}).get("productId")
        if cmd.call.kind == CallKind.PRODUCT_INVENTORY and product:
            case.note_product(str(cmd.call.payload["itemId"]), str(product))
            targets[cmd.call.purpose]["productId"] = product
        case.annotate(step, targets=targets)
        case.record(
            HistoryAction.CUSTOMER_UPDATE_ATTEMPTED,
            step=step,
            target=cmd.call.purpose,
            attempt=cmd.call.attempt,
            state=state.value,
            error=cmd.outcome.error,
        )
        _settle_step(case, step, targets, cmd.outcome.error)


def _settle_step(
    case: CompletionCase, step: Step, targets: dict[str, dict[str, Any]], error: str | None
) -> None:
    if step.state is not StepState.ACTIVE:
        return
    if all_finished(CallState(entry["state"]) for entry in targets.values()):
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
        step, targets = _active_update(case)
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
    """An operator says the systems not yet updated were updated by other means: the step
    completes with the reason kept."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        step, targets = _active_update(case)
        settled = in_state(targets, *UNFINISHED)
        for purpose in settled:
            targets[purpose] = {**targets[purpose], "state": CallState.SETTLED.value}
        await outbound.settle(uow.session, case.id, cmd.reason, uow.now, kinds=TARGET_KINDS)
        case.annotate(step, targets=targets)
        case.record(
            HistoryAction.CUSTOMER_UPDATE_SETTLED, step=step, targets=settled, reason=cmd.reason
        )
        complete_update(case, step, sorted(targets))
        return settled


def _active_update(case: CompletionCase) -> tuple[Step, dict[str, dict[str, Any]]]:
    case.require_active()
    tracked = _tracked(case)
    if tracked is None or tracked[0].state is not StepState.ACTIVE:
        raise Conflict("the customer update of this case is not waiting on other systems")
    return tracked


def in_state(targets: dict[str, dict[str, Any]], *states: CallState) -> list[str]:
    """The targets (purposes) whose calls are in one of ``states``, in order."""
    return sorted(
        purpose for purpose, entry in targets.items() if CallState(entry["state"]) in states
    )
