"""The case page's read side: the case as the API shows it, with what its steps need for
their forms (the test plan, the training topics), its appointments, test runs,
attachments, messages, and one timeline merging the history, the interactions, the
messages and other systems' calls, and the event deliveries to subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.appointments.tables import Appointment
from order_completion.attachments.tables import Attachment
from order_completion.cases import queries
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.representation import case_resource
from order_completion.cases.rules import StepKind, StepState
from order_completion.clock import iso
from order_completion.commissioning import behaviour as commissioning
from order_completion.commissioning.tables import CommissioningRun
from order_completion.events.deliveries import Delivery
from order_completion.events.outbox import OutboxBatch
from order_completion.interactions.tables import PartyInteraction
from order_completion.outbound import store as outbound
from order_completion.outbound.rules import CallKind, CallState
from order_completion.outbound.tables import OutboundCall
from order_completion.policies.schema import WitnessRule
from order_completion.training import behaviour as training

# The most history entries the page shows (the newest); the API pages through all.
SHOWN_HISTORY = 300


@dataclass(frozen=True)
class CaseView:
    case: dict[str, Any]
    test: dict[str, Any] | None  # the waiting commissioning test: its plan and witness rule
    training: dict[str, Any] | None  # the waiting training step: its topics
    runs: list[CommissioningRun]
    appointments: list[Appointment]
    attachments: list[Attachment]
    messages: list[OutboundCall]
    failed_calls: bool
    timeline: list[dict[str, Any]]


async def case_view(session: AsyncSession, case_id: str) -> CaseView:
    case = await queries.get_case(session, case_id)
    history, _ = await queries.history_page(session, case_id, offset=0, limit=100_000)
    runs = await _all(
        session,
        select(CommissioningRun)
        .where(CommissioningRun.case_id == case_id)
        .order_by(CommissioningRun.recorded_at),
    )
    visits = await _all(
        session,
        select(Appointment).where(Appointment.case_id == case_id).order_by(Appointment.start),
    )
    files = await _all(
        session,
        select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.created_at),
    )
    talks = await _all(
        session,
        select(PartyInteraction)
        .where(PartyInteraction.case_id == case_id)
        .order_by(PartyInteraction.creation_date),
    )
    calls = await outbound.calls_of(session, case_id)
    deliveries = await _all(
        session,
        select(Delivery)
        .join(OutboxBatch, OutboxBatch.id == Delivery.batch_id)
        .where(OutboxBatch.case_id == case_id)
        .order_by(Delivery.created_at),
    )
    timeline = sorted(
        [
            *(_from_history(entry) for entry in history[-SHOWN_HISTORY:]),
            *(_from_interaction(row) for row in talks),
            *(_from_call(row) for row in calls),
            *(_from_delivery(row) for row in deliveries),
        ],
        key=lambda entry: entry["date"] or "",
        reverse=True,
    )
    return CaseView(
        case=case_resource(case),
        test=_waiting_test(case),
        training=_waiting_training(case),
        runs=runs,
        appointments=visits,
        attachments=files,
        messages=[call for call in calls if call.kind == CallKind.MESSAGE],
        failed_calls=any(
            call.state == CallState.FAILED and call.kind != CallKind.MESSAGE for call in calls
        ),
        timeline=timeline,
    )


async def _all(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.execute(statement)).scalars())


def _waiting_test(case: CompletionCase) -> dict[str, Any] | None:
    step = case.step_of_kind(StepKind.COMMISSIONING_TEST)
    if step is None or step.state is not StepState.ACTIVE:
        return None
    config = commissioning.config_of(step)
    return {
        "plan": [test.name for test in config.test_plan],
        "witnessRequired": config.customer_witness is WitnessRule.REQUIRED,
    }


def _waiting_training(case: CompletionCase) -> dict[str, Any] | None:
    step = case.step_of_kind(StepKind.TRAINING)
    if step is None or step.state is not StepState.ACTIVE:
        return None
    topics = training.config_of(step).topics
    return {
        "topics": [{"name": topic.name, "mandatory": topic.mandatory} for topic in topics],
        "default": training.default_topics(step),
    }


def _entry(date: str | None, source: str, title: str, detail: str = "") -> dict[str, Any]:
    return {"date": date, "source": source, "title": title, "detail": detail}


def _from_history(entry: dict[str, Any]) -> dict[str, Any]:
    shown = {
        key: value
        for key, value in entry.items()
        if key not in ("date", "action", "@type") and value not in (None, "", [], {})
    }
    detail = ", ".join(f"{key}: {value}" for key, value in shown.items())
    return _entry(entry.get("date"), "History", str(entry.get("action")), detail)


def _from_interaction(row: PartyInteraction) -> dict[str, Any]:
    detail = f"{row.direction}, {row.status}" + (f": {row.description}" if row.description else "")
    return _entry(iso(row.creation_date), "Interaction", row.reason, detail)


def _from_call(row: OutboundCall) -> dict[str, Any]:
    source = "Message" if row.kind == CallKind.MESSAGE else "Call to another system"
    title = (
        str(row.payload.get("messageKind") or row.purpose)
        if row.kind == CallKind.MESSAGE
        else row.purpose
    )
    detail = f"{row.state} after {row.attempts} attempt(s)"
    if row.last_error:
        detail += f": {row.last_error}"
    return _entry(iso(row.updated_at), source, title, detail)


def _from_delivery(row: Delivery) -> dict[str, Any]:
    detail = f"{row.status} after {row.attempts} attempt(s)"
    if row.last_status_code:
        detail += f", last answer {row.last_status_code}"
    return _entry(iso(row.delivered_at or row.created_at), "Event delivery", row.event_type, detail)
