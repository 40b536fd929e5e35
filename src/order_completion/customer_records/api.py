"""HTTP routes an operator uses on a customer update in fallout: retry the systems that
failed, or settle what is left as done by other means."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep, read_case
from order_completion.cases.representation import API_BASE
from order_completion.cases.schemas import CompletionCaseOut
from order_completion.customer_records import handlers
from order_completion.dependencies import ActorDep, allow
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["customerUpdate"])


class Retried(BaseModel):
    retried: list[str] = Field(description="The targets tried again (purposes of the calls)")
    completionCase: CompletionCaseOut


class Settled(BaseModel):
    settled: list[str] = Field(description="The targets settled by the operator")
    completionCase: CompletionCaseOut


class Settlement(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "product entered in inventory by hand"}]},
    )

    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="How the systems were updated (kept in the history and on each call)",
    )


@router.post(
    "/completionCase/{case_id}/customerUpdate/retry",
    dependencies=allow(Permission.MANAGE_CASE),
    summary="Retry the systems the customer update failed on",
    description="Every failed call starts over now, on a fresh retry schedule, and the case "
    "leaves fallout; calls owed after the update completed (contacts met late) count too. "
    "409 when the customer update is not waiting or nothing failed.",
    response_model=Retried,
    responses={200: {"model": Retried}, **ERROR_RESPONSES},
)
async def retry(case_id: str, app: CaseServicesDep, actor: ActorDep) -> Response:
    targets = await handlers.retry_customer_update(
        app.uow(), handlers.RetryCustomerUpdate(case_id, actor)
    )
    return json_resource(
        {"retried": targets, "completionCase": await read_case(app, case_id)}, status_code=200
    )


@router.post(
    "/completionCase/{case_id}/customerUpdate/settle",
    dependencies=allow(Permission.MANAGE_CASE),
    summary="Mark the customer update done by other means",
    description="Calls not yet done, those owed after the update completed (contacts met "
    "late) among them, are settled with the reason; a step still waiting completes. 409 "
    "when the customer update is not waiting on other systems.",
    response_model=Settled,
    responses={200: {"model": Settled}, **ERROR_RESPONSES},
)
async def settle(case_id: str, body: Settlement, app: CaseServicesDep, actor: ActorDep) -> Response:
    targets = await handlers.settle_customer_update(
        app.uow(), handlers.SettleCustomerUpdate(case_id, body.reason, actor)
    )
    return json_resource(
        {"settled": targets, "completionCase": await read_case(app, case_id)}, status_code=200
    )
