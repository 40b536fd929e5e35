"""HTTP route for reporting a commissioning test run."""

from __future__ import annotations

from fastapi import APIRouter, Response

from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep, read_case
from order_completion.cases.representation import API_BASE, case_href
from order_completion.clock import iso
from order_completion.commissioning import handlers
from order_completion.commissioning.schemas import CommissioningTestOut, CommissioningTestResult
from order_completion.dependencies import ActorDep, allow
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["commissioningTest"])


@router.post(
    "/completionCase/{case_id}/commissioningTest",
    dependencies=allow(Permission.RECORD_TEST),
    summary="Report a commissioning / end-to-end test run",
    description=(
        "`failed` keeps the step waiting for a retest; `passed` completes it (milestone "
        "`commissioningPassed`) and needs every planned test passed. A policy with "
        "`customerWitness: required` needs `witnessedBy`. 409 when the case is not waiting "
        "for a commissioning test."
    ),
    status_code=201,
    response_model=CommissioningTestOut,
    responses={201: {"model": CommissioningTestOut}, **ERROR_RESPONSES},
)
async def report_test(
    case_id: str, body: CommissioningTestResult, app: CaseServicesDep, actor: ActorDep
) -> Response:
    command = handlers.RecordTestResult(case_id, body, actor)
    run = await handlers.record_result(app.uow(), command)
    resource = {
        "id": run.id,
        "@type": "CommissioningTest",
        "result": run.result,
        "testItem": run.test_items,
        "witnessedBy": run.witnessed_by,
        "note": run.note,
        "round": run.round,
        "recordedDate": iso(run.recorded_at),
        "completionCase": await read_case(app, case_id),
        "href": f"{case_href(app.base_url, case_id)}/commissioningTest/{run.id}",
    }
    return json_resource(resource, status_code=201)
