"""Commissioning / end-to-end testing with the customer: a failed run keeps the step waiting
for a retest; a passed run completes it. The visit for it is a TMF646 appointment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_completion.appointments import service as appointments
from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.attachments.rules import EvidenceOf
from order_completion.attachments.service import attach
from order_completion.audit import Actor
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import Direction, HistoryAction, InformationReason
from order_completion.cases.rules import Milestone, Outcome, StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.commissioning import rules
from order_completion.commissioning.behaviour import config_of
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.commissioning.tables import CommissioningRun
from order_completion.errors import InvalidInput
from order_completion.policies.schema import WitnessRule


@dataclass(frozen=True)
class RecordTestResult:
    case_id: str
    result: CommissioningTestResult
    actor: Actor


async def record_result(uow: UnitOfWork, cmd: RecordTestResult) -> CommissioningRun:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        return await record_on(uow, case, cmd.result)


async def record_on(
    uow: UnitOfWork, case: CompletionCase, body: CommissioningTestResult
) -> CommissioningRun:
    """Record a test run on a loaded case (409 unless the test waits for one)."""
    step = case.waiting_step(StepKind.COMMISSIONING_TEST)
    _check(step, body)
    run = CommissioningRun(
        id=str(uuid.uuid4()),
        case_id=case.id,
        step_id=step.id,
        round=step.round,
        result=body.result,
        test_items=[i.model_dump(by_alias=True, exclude_none=True) for i in body.test_item],
        witnessed_by=body.witnessed_by.model_dump(exclude_none=True) if body.witnessed_by else None,
        note=body.note,
        recorded_at=uow.now,
    )
    uow.add(run)
    ids = [ref.id for ref in body.attachment]
    await attach(uow.session, case.id, ids, EvidenceOf.COMMISSIONING_RUN, run.id)
    attempts = int(step.data.get("attempts", 0)) + 1
    case.annotate(step, attempts=attempts, lastResult=body.result, lastRunId=run.id)
    case.record(
        HistoryAction.COMMISSIONING_TEST_RECORDED,
        step=step,
        actor=body.witnessed_by.name if body.witnessed_by else None,
        result=body.result,
        runId=run.id,
        attempt=attempts,
    )
    if body.witnessed_by is not None:
        witness = body.witnessed_by.model_dump(exclude_none=True)
        case.log_interaction(
            f"commissioningTestWitnessed: {body.result}",
            Direction.INBOUND,
            step=step,
            description=body.note,
            party=witness,
        )
        case.learn_contact({**witness, "source": "commissioningWitness"})
    passed = body.result == "passed"
    await appointments.settle_commissioning(
        uow.session, case, step, passed=passed, base_url=uow.base_url
    )
    if passed:
        case.reach_milestone(Milestone.COMMISSIONING_PASSED)
        case.finish_step(step, Outcome.PASSED, runId=run.id)
    else:
        case.note_attempt(step, Outcome.FAILED)
        case.ask_customer(step, InformationReason.RETEST_REQUIRED)
    return run


def _check(step: Step, body: CommissioningTestResult) -> None:
    """The run against the policy: a required witness, planned tests only, a pass only
    when every planned test passed."""
    policy = config_of(step)
    if policy.customer_witness is WitnessRule.REQUIRED and body.witnessed_by is None:
        raise InvalidInput("this policy requires a customer witness", field="witnessedBy")
    plan = [test.name for test in policy.test_plan]
    items = [rules.ItemResult(item.name, item.result) for item in body.test_item]
    extra = rules.unplanned(plan, items)
    if extra:
        raise InvalidInput(f"not in the test plan: {', '.join(extra)}", field="testItem")
    if body.result == "passed":
        problems = rules.problems_with_pass(plan, items)
        if problems:
            raise InvalidInput("; ".join(problems), field="result")


@dataclass(frozen=True)
class ScheduleVisit:
    case_id: str
    start: datetime
    end: datetime
    actor: Actor
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def schedule_visit(uow: UnitOfWork, cmd: ScheduleVisit) -> Appointment:
    """Book the commissioning visit (a TMF646 appointment) while the test waits for it."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        step = case.waiting_step(StepKind.COMMISSIONING_TEST)
        row = appointments.book(
            uow.session,
            case,
            category=Category.COMMISSIONING,
            step=step,
            start=cmd.start,
            end=cmd.end,
            base_url=uow.base_url,
            description=cmd.description or "Commissioning test with the customer",
            **cmd.details,
        )
        case.record(
            HistoryAction.COMMISSIONING_VISIT_SCHEDULED,
            step=step,
            appointmentId=row.id,
            start=cmd.start.isoformat(),
        )
        case.log_interaction(
            "commissioningVisitScheduled",
            Direction.OUTBOUND,
            step=step,
            description=row.description,
            status="open",
        )
        return row
