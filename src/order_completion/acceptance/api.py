"""HTTP route for the customer's acceptance decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.acceptance import service
from order_completion.acceptance.schemas import AcceptanceDecisionOut, AcceptanceDecisionRequest
from order_completion.acceptance.tables import AcceptanceDecision
from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE, case_href, iso
from order_completion.dependencies import ServicesDep, allow, read_case
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["acceptanceDecision"])


@router.post(
    "/completionCase/{case_id}/acceptanceDecision",
    dependencies=allow(Permission.RECORD_DECISION),
    summary="Record the customer's acceptance or rejection",
    description=(
        "`accepted` completes the acceptance step (milestone `customerAccepted`, "
        "`startOfServiceDate` = now). `rejected` (with a `reason` or a `punchList`) reopens "
        "the commissioning test if the policy has one, sends a new ready-for-service notice "
        "after it, and restarts the acceptance window from that notice. 409 when the case "
        "is not waiting for a decision (for example, it was deemed accepted first)."
    ),
    status_code=201,
    responses={201: {"model": AcceptanceDecisionOut}, **ERROR_RESPONSES},
)
async def decide(case_id: str, body: AcceptanceDecisionRequest, services: ServicesDep) -> Any:
    async def work(session: AsyncSession, now: datetime) -> AcceptanceDecision:
        unit = await services.cases.require(session, case_id, now)
        return await service.record_decision(unit, body)

    decision = await services.write(work)
    return {
        "id": decision.id,
        "href": f"{case_href(services.cases.base_url, case_id)}/acceptanceDecision/{decision.id}",
        "@type": "AcceptanceDecision",
        "decision": decision.decision,
        "decidedBy": decision.decided_by,
        "reason": decision.reason,
        "punchList": decision.punch_list,
        "round": decision.round,
        "decisionDate": iso(decision.decided_at),
        "completionCase": await read_case(services, case_id),
    }
