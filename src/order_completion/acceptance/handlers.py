"""The customer's acceptance decision: explicit acceptance, or rejection with a reason or a
punch list, which reopens the cycle (retest, new notice, new window)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.acceptance.tables import AcceptanceDecision
from order_completion.attachments.rules import EvidenceOf
from order_completion.attachments.service import attach
from order_completion.audit import Actor
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import Outcome, StepKind
from order_completion.cases.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RecordDecision:
    case_id: str
    decision: AcceptanceDecisionRequest
    actor: Actor


@dataclass(frozen=True)
class DecisionRecorded:
    id: str
    case_id: str
    decision: str
    decided_by: dict[str, Any]
    reason: str | None
    punch_list: list[dict[str, Any]]
    round: int
    decided_at: datetime


async def record_decision(uow: UnitOfWork, cmd: RecordDecision) -> DecisionRecorded:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        recorded = decide(uow, case, cmd.decision)
        ids = [ref.id for ref in cmd.decision.attachment]
        await attach(uow.session, case.id, ids, EvidenceOf.ACCEPTANCE_DECISION, recorded.id)
        return recorded


def decide(
    uow: UnitOfWork, case: CompletionCase, body: AcceptanceDecisionRequest
) -> DecisionRecorded:
    """Record the decision on a loaded case (409 unless acceptance waits for it)."""
    step = case.waiting_step(StepKind.ACCEPTANCE)
    decided_by = body.decided_by.model_dump(exclude_none=True)
    recorded = DecisionRecorded(
        id=str(uuid.uuid4()),
        case_id=case.id,
        decision=body.decision,
        decided_by=decided_by,
        reason=body.reason,
        punch_list=[item.model_dump() for item in body.punch_list],
        round=step.round,
        decided_at=uow.now,
    )
    uow.add(
        AcceptanceDecision(
            id=recorded.id,
            case_id=case.id,
            step_id=step.id,
            round=recorded.round,
            decision=recorded.decision,
            decided_by=decided_by,
            reason=recorded.reason,
            punch_list=recorded.punch_list,
            decided_at=recorded.decided_at,
        )
    )
    case.learn_contact({**decided_by, "source": "acceptance"})
    case.record(
        HistoryAction.ACCEPTANCE_DECISION_RECORDED,
        step=step,
        actor=body.decided_by.name,
        decision=body.decision,
        reason=body.reason,
        punchList=recorded.punch_list,
        decisionId=recorded.id,
    )
    case.log_interaction(
        f"acceptanceDecision: {body.decision}",
        Direction.INBOUND,
        step=step,
        description=body.reason,
        party=decided_by,
    )
    if body.decision == "accepted":
        case.accept(step, Outcome.ACCEPTED, start_of_service=uow.now)
    else:
        case.reject(step)
    return recorded
