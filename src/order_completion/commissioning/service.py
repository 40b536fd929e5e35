"""Commissioning / end-to-end testing with the customer: failed runs keep the step waiting
for a retest; a passed run completes it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from order_completion.appointments import service as appointments
from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.cases.rules import Milestone, Outcome, StepKind
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.commissioning import rules
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.commissioning.tables import CommissioningRun
from order_completion.errors import InvalidInput
from order_completion.interactions import service as interactions
from order_completion.policies.schema import CommissioningTestStep, WitnessRule


def _config(step: CaseStep) -> CommissioningTestStep:
    return CommissioningTestStep.model_validate(step.config)


async def start(unit: CaseUnit, step: CaseStep) -> None:
    """The test waits for a result; a required witness means the customer is asked to take part."""
    config = _config(step)
    step.data = {**step.data, "attempts": step.data.get("attempts", 0)}
    if config.customer_witness is WitnessRule.REQUIRED:
        unit.request_information(step)


async def record_result(unit: CaseUnit, body: CommissioningTestResult) -> CommissioningRun:
    step = unit.waiting_step(StepKind.COMMISSIONING_TEST)
    config = _config(step)
    if config.customer_witness is WitnessRule.REQUIRED and body.witnessed_by is None:
        raise InvalidInput("this policy requires a customer witness", field="witnessedBy")
    plan = [test.name for test in config.test_plan]
    items = [rules.ItemResult(item.name, item.result) for item in body.test_item]
    extra = rules.unplanned(plan, items)
    if extra:
        raise InvalidInput(f"not in the test plan: {', '.join(extra)}", field="testItem")
    if body.result == "passed":
        problems = rules.problems_with_pass(plan, items)
        if problems:
            raise InvalidInput("; ".join(problems), field="result")
    run = CommissioningRun(
        id=str(uuid.uuid4()),
        case_id=unit.case.id,
        step_id=step.id,
        round=step.round,
        result=body.result,
        test_items=[item.model_dump(by_alias=True, exclude_none=True) for item in body.test_item],
        witnessed_by=body.witnessed_by.model_dump(exclude_none=True) if body.witnessed_by else None,
        note=body.note,
        recorded_at=unit.now,
    )
    unit.session.add(run)
    attempts = int(step.data.get("attempts", 0)) + 1
    step.data = {**step.data, "attempts": attempts, "lastResult": body.result, "lastRunId": run.id}
    actor = body.witnessed_by.name if body.witnessed_by else None
    unit.record(
        "commissioningTestRecorded",
        step=step,
        actor=actor,
        result=body.result,
        runId=run.id,
        attempt=attempts,
    )
    if body.witnessed_by is not None:
        interactions.log(
            unit,
            reason=f"commissioningTestWitnessed: {body.result}",
            direction="inbound",
            step=step,
            description=body.note,
            party=body.witnessed_by.model_dump(exclude_none=True),
        )
        unit.learn_contact(
            {**body.witnessed_by.model_dump(exclude_none=True), "source": "commissioningWitness"}
        )
    await appointments.settle_commissioning(unit, step, passed=body.result == "passed")
    if body.result == "passed":
        unit.add_milestone(Milestone.COMMISSIONING_PASSED)
        await unit.finish_step(step, Outcome.PASSED, runId=run.id)
    else:
        step.outcome = Outcome.FAILED.value
        unit.request_information(step, reason="retestRequired")
    return run


async def schedule_visit(
    unit: CaseUnit,
    *,
    start: datetime,
    end: datetime,
    description: str | None = None,
    **details: Any,
) -> Appointment:
    """Book the commissioning visit (a TMF646 appointment) while the test waits for it."""
    step = unit.waiting_step(StepKind.COMMISSIONING_TEST)
    row = appointments.book(
        unit,
        category=Category.COMMISSIONING,
        step=step,
        start=start,
        end=end,
        description=description or "Commissioning test with the customer",
        **details,
    )
    unit.record(
        "commissioningVisitScheduled", step=step, appointmentId=row.id, start=start.isoformat()
    )
    interactions.log(
        unit,
        reason="commissioningVisitScheduled",
        direction="outbound",
        step=step,
        description=row.description,
        status="open",
    )
    return row
