"""HTTP route for reporting a commissioning test run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE, case_href, iso
from order_completion.commissioning import service
from order_completion.commissioning.schemas import CommissioningTestOut, CommissioningTestResult
from order_completion.commissioning.tables import CommissioningRun
from order_completion.dependencies import ServicesDep, allow, read_case
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
    responses={201: {"model": CommissioningTestOut}, **ERROR_RESPONSES},
)
async def report_test(case_id: str, body: CommissioningTestResult, services: ServicesDep) -> Any:
    async def work(session: AsyncSession, now: datetime) -> CommissioningRun:
        unit = await services.cases.require(session, case_id, now)
        return await service.record_result(unit, body)

    run = await services.write(work)
    return {
        "id": run.id,
        "@type": "CommissioningTest",
        "result": run.result,
        "testItem": run.test_items,
        "witnessedBy": run.witnessed_by,
        "note": run.note,
        "round": run.round,
        "recordedDate": iso(run.recorded_at),
        "completionCase": await read_case(services, case_id),
        "href": f"{case_href(services.cases.base_url, case_id)}/commissioningTest/{run.id}",
    }
