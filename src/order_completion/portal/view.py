"""The case as its customer sees it through the portal: what was delivered, the tests that
passed and who witnessed them, the documents of the handover, the training sessions, and
whether a certificate can be fetched. Internal details (policy, timers, history) stay out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.attachments import service as attachments
from order_completion.cases import queries
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.rules import CaseState, Outcome, StepKind, StepState
from order_completion.clock import iso
from order_completion.commissioning.tables import CommissioningRun
from order_completion.database import Database
from order_completion.portal.service import OpenedLink
from order_completion.training import behaviour as training

# What a customer may do through their link while the step waits, as ``waitingFor`` names it.
CUSTOMER_ACTIONS = {
    StepKind.ACCEPTANCE: "acceptanceDecision",
    StepKind.TRAINING: "trainingSession",
    StepKind.SATISFACTION_SURVEY: "surveyResponse",
}
ACCEPTED = (Outcome.ACCEPTED, Outcome.DEEMED_ACCEPTED)


async def customer_view(db: Database, link: OpenedLink, portal_href: str) -> dict[str, Any]:
    async with db.read() as session:
        case = await queries.get_case(session, link.case_id)
        tests = await _passed_tests(session, case.id)
        documents = await _documents(session, case.id)
        sessions = await _training_sessions(session, case.id)
    return {
        "id": case.id,
        "@type": "CustomerPortalCase",
        "productOrder": {"id": case.product_order_id},
        "customer": {"id": case.customer_id, "name": case.customer_name},
        "state": case.state.value,
        "waitingFor": _waiting_for(case),
        "startOfServiceDate": iso(case.start_of_service_date),
        "item": [
            {
                "id": item.item_id,
                "action": item.action,
                "productOffering": {"id": item.offering_id, "name": item.offering_name},
                "product": {"id": item.product_id} if item.product_id else None,
                "state": item.state.value,
                "activeFrom": iso(item.active_from),
            }
            for item in case.items
        ],
        "test": tests,
        "document": [{**doc, "href": f"{portal_href}/document/{doc['id']}"} for doc in documents],
        "trainingSession": sessions,
        "trainingTopic": _training_topics(case),
        "certificate": {"href": f"{portal_href}/certificate.pdf"} if _accepted(case) else None,
        "linkExpires": iso(link.claims.expires),
    }


def _waiting_for(case: CompletionCase) -> list[str]:
    if case.state is not CaseState.ACTIVE:
        return []
    return [
        action
        for kind, action in CUSTOMER_ACTIONS.items()
        if (step := case.step_of_kind(kind)) is not None and step.state is StepState.ACTIVE
    ]


def _training_topics(case: CompletionCase) -> list[dict[str, Any]]:
    """The topics a session may be booked on while training waits (none named when
    booking: the mandatory ones); empty when no training waits."""
    step = case.step_of_kind(StepKind.TRAINING)
    if "trainingSession" not in _waiting_for(case) or step is None:
        return []
    return [
        {"name": topic.name, "mandatory": topic.mandatory}
        for topic in training.config_of(step).topics
    ]


def _accepted(case: CompletionCase) -> bool:
    step = case.step_of_kind(StepKind.ACCEPTANCE)
    return step is not None and step.outcome in ACCEPTED


async def _passed_tests(session: AsyncSession, case_id: str) -> list[dict[str, Any]]:
    """Every test of the runs that passed, with who witnessed it and when, oldest first."""
    runs = await session.scalars(
        select(CommissioningRun)
        .where(CommissioningRun.case_id == case_id, CommissioningRun.result == "passed")
        .order_by(CommissioningRun.recorded_at)
    )
    return [
        {
            "name": item.get("name"),
            "result": item.get("result"),
            "round": run.round,
            "date": iso(run.recorded_at),
            "witnessedBy": (run.witnessed_by or {}).get("name"),
        }
        for run in runs
        for item in run.test_items
    ]


async def _documents(session: AsyncSession, case_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "name": row.name,
            "mediaType": row.media_type,
            "size": row.size,
            "sha256": row.sha256,
            "description": row.description,
            "evidenceOf": row.evidence_of.split(":", 1)[0] if row.evidence_of else None,
        }
        for row in await attachments.files_of_case(session, case_id)
    ]


async def _training_sessions(session: AsyncSession, case_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Appointment)
        .where(Appointment.case_id == case_id, Appointment.category == Category.TRAINING.value)
        .order_by(Appointment.start)
    )
    return [
        {
            "id": row.id,
            "topic": row.topics,
            "scheduledStart": iso(row.start),
            "scheduledEnd": iso(row.end),
            "status": row.status,
            "trainer": (row.trainer or {}).get("name"),
            "attendee": [attendee.get("name") for attendee in row.attendees],
        }
        for row in rows
    ]
