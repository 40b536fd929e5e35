"""HTTP route for the customer's acceptance decision."""

from __future__ import annotations

from fastapi import APIRouter, Response

from order_completion.acceptance import handlers
from order_completion.acceptance.schemas import AcceptanceDecisionOut, AcceptanceDecisionRequest
from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep, read_case
from order_completion.cases.representation import API_BASE, case_href
from order_completion.clock import iso
from order_completion.dependencies import ActorDep, allow
from order_completion.tmf.responses import json_resource
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
    response_model=AcceptanceDecisionOut,
    responses={201: {"model": AcceptanceDecisionOut}, **ERROR_RESPONSES},
)
async def decide(
    case_id: str, body: AcceptanceDecisionRequest, app: CaseServicesDep, actor: ActorDep
) -> Response:
    command = handlers.RecordDecision(case_id, body, actor)
    decision = await handlers.record_decision(app.uow(), command)
    resource = {
        "id": decision.id,
        "href": f"{case_href(app.base_url, case_id)}/acceptanceDecision/{decision.id}",
        "@type": "AcceptanceDecision",
        "decision": decision.decision,
        "decidedBy": decision.decided_by,
        "reason": decision.reason,
        "punchList": decision.punch_list,
        "round": decision.round,
        "decisionDate": iso(decision.decided_at),
        "completionCase": await read_case(app, case_id),
    }
    return json_resource(resource, status_code=201)
