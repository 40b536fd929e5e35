"""Cases run their policy's steps on both databases, with history and outbox in each commit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.cases.rules import CaseState
from order_completion.clock import FixedClock
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.errors import Conflict
from order_completion.events.outbox import OutboxBatch
from order_completion.surveys.schemas import SurveyResponse
from order_completion.training.schemas import TrainingSessionCreate, TrainingSessionUpdate
from tests.orders import business_order, failing_test, passing_test, product_order
from tests.support import (
    actions,
    answer,
    book,
    case_json,
    change_state,
    close,
    count,
    decide,
    event_types,
    events,
    milestones,
    open_case,
    record_test,
    step_of,
)


def decision(kind: str, **extra: object) -> AcceptanceDecisionRequest:
    return AcceptanceDecisionRequest.model_validate(
        {"decision": kind, "decidedBy": {"name": "Dana Smith", "id": "C-42"}, **extra}
    )


def session_body(services: Services, topics: list[str]) -> TrainingSessionCreate:
    start = services.clock.now() + timedelta(days=2)
    return TrainingSessionCreate.model_validate(
        {
            "topic": topics,
            "scheduledStart": start.isoformat(),
            "scheduledEnd": (start + timedelta(hours=2)).isoformat(),
            "trainer": {"name": "Sam Lee"},
            "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
        }
    )


async def test_a_consumer_order_completes_in_the_transaction_that_opens_it(
    services: Services,
) -> None:
    case_id = await open_case(services, product_order())
    case = await case_json(services, case_id)
    assert case["state"] == "completed"
    assert case["policy"] == {"id": "consumer-standard", "version": 1, "name": "Consumer standard"}
    assert milestones(case) == [
        "readyForServiceNotified",
        "customerAccepted",
        "customerRecordsUpdated",
        "readyForClosure",
    ]
    assert step_of(case, "acceptance")["outcome"] == "deemedAccepted"
    assert case["startOfServiceDate"] == case["creationDate"]
    assert case["orderItem"][0]["state"] == "active"
    assert case["orderItem"][0]["activeFrom"] == case["startOfServiceDate"]
    all_types = await event_types(services, case_id)
    types = [name for name in all_types if name.startswith("completionCase")]
    assert types[0] == "completionCaseCreateEvent"
    assert types[-1] == "completionCaseStateChangeEvent"
    assert types.count("completionCaseMilestoneEvent") == 4
    assert "completionCaseInformationRequiredEvent" in types  # acceptance waits on the customer


async def test_the_customer_update_records_products_billing_contacts_and_the_order(
    services: Services,
) -> None:
    case_id = await open_case(services, product_order("PO-CU"))
    updates = {
        event["event"]["customerUpdate"]["target"]: event["event"]["customerUpdate"]
        for event in await events(services, case_id)
        if event["eventType"] == "completionCaseCustomerUpdateEvent"
    }
    assert set(updates) == {"productInventory", "billing", "productOrder"}
    product = updates["productInventory"]["product"][0]
    assert product["status"] == "active"
    assert product["productOrderItem"] == {"orderItemId": "1", "productOrderId": "PO-CU"}
    assert updates["billing"]["billingAccount"] == {"id": "BA-7"}
    assert updates["productOrder"]["milestone"] == "customerAccepted"


async def test_a_business_order_runs_test_retest_rejection_acceptance_and_training(
    services: Services,
    clock: FixedClock,
) -> None:
    case_id = await open_case(services, business_order("PO-B2B"))
    case = await case_json(services, case_id)
    assert case["policy"]["id"] == "business-managed"
    assert step_of(case, "commissioningTest")["waitingFor"] == "commissioningTestResult"

    failed = CommissioningTestResult.model_validate(failing_test())
    await record_test(services, case_id, failed)
    case = await case_json(services, case_id)
    assert step_of(case, "commissioningTest")["state"] == "active"
    assert step_of(case, "commissioningTest")["outcome"] == "failed"

    clock.advance(timedelta(hours=4))
    passed = CommissioningTestResult.model_validate(passing_test())
    await record_test(services, case_id, passed)
    case = await case_json(services, case_id)
    first_window_end = step_of(case, "acceptance")["dueDate"]
    assert "commissioningPassed" in milestones(case)
    assert step_of(case, "acceptance")["waitingFor"] == "acceptanceDecision"

    clock.advance(timedelta(days=1))
    rejection = decision(
        "rejected", reason="Failover slow", punchList=[{"description": "Failover under 5 s"}]
    )
    await decide(services, case_id, rejection)
    case = await case_json(services, case_id)
    assert step_of(case, "commissioningTest")["state"] == "active"
    assert step_of(case, "commissioningTest")["round"] == 2
    assert step_of(case, "readyForServiceNotice")["state"] == "new"
    assert step_of(case, "acceptance")["state"] == "new"

    clock.advance(timedelta(days=1))
    await record_test(services, case_id, passed)
    case = await case_json(services, case_id)
    assert milestones(case).count("readyForServiceNotified") == 2
    assert step_of(case, "acceptance")["state"] == "active"
    assert step_of(case, "acceptance")["dueDate"] > first_window_end  # restarted from the notice

    await decide(services, case_id, decision("accepted"))
    case = await case_json(services, case_id)
    assert case["startOfServiceDate"] == "2026-11-25T13:00:00Z"
    assert "readyForClosure" in milestones(case)  # training and survey do not block
    assert step_of(case, "training")["state"] == "active"
    assert case["state"] == "active"

    body = session_body(services, ["Portal administration", "Reporting"])
    session = await book(services, case_id, body)
    done = TrainingSessionUpdate.model_validate(
        {"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}
    )
    await close(services, case_id, session.id, done)
    case = await case_json(services, case_id)
    assert step_of(case, "training")["outcome"] == "trained"
    assert "trainingCompleted" in milestones(case)

    response = SurveyResponse(score=9, comment="Smooth")
    await answer(services, case_id, response)
    case = await case_json(services, case_id)
    assert case["state"] == "completed"
    assert step_of(case, "satisfactionSurvey")["outcome"] == "responded"
    assert "acceptanceDecisionRecorded" in actions(case)
    contacts = [
        event
        for event in await events(services, case_id)
        if event["event"].get("customerUpdate", {}).get("target") == "customerContact"
    ]
    assert contacts[0]["event"]["customerUpdate"]["contact"][0]["name"] == "Dana Smith"


async def test_training_needs_every_mandatory_topic(services: Services) -> None:
    case_id = await open_case(services, business_order())
    passed = CommissioningTestResult.model_validate(passing_test())
    await record_test(services, case_id, passed)
    await decide(services, case_id, decision("accepted"))
    body = session_body(services, ["Reporting"])
    session = await book(services, case_id, body)
    done = TrainingSessionUpdate.model_validate({"state": "completed"})
    await close(services, case_id, session.id, done)
    case = await case_json(services, case_id)
    assert step_of(case, "training")["state"] == "active"


async def test_a_failed_action_changes_nothing(services: Services) -> None:
    """A refused action rolls back: no history, no event, no state."""
    case_id = await open_case(services, business_order())
    before_events = await count(services, OutboxBatch)
    before = await case_json(services, case_id)
    with pytest.raises(Conflict):
        await decide(services, case_id, decision("accepted"))
    assert await count(services, OutboxBatch) == before_events
    assert await case_json(services, case_id) == before


async def test_cancelling_a_case_cancels_its_open_steps_and_timers(services: Services) -> None:
    case_id = await open_case(services, business_order())
    await change_state(services, case_id, CaseState.CANCELLED, "withdrawn")
    case = await case_json(services, case_id)
    assert case["state"] == "cancelled"
    assert case["stateReason"] == "withdrawn"
    assert {step["state"] for step in case["step"]} == {"completed", "cancelled"}
    with pytest.raises(Conflict, match="cannot become active"):
        await change_state(services, case_id, CaseState.ACTIVE, None)
