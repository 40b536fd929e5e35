"""HTTP routes that bring product orders in: the case create and the TMF622 listener."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion import audit
from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE, case_href, case_resource
from order_completion.cases.schemas import CompletionCaseOut
from order_completion.dependencies import ServicesDep, allow, read_case
from order_completion.orders.schemas import (
    CompletionCaseCreate,
    ListenerResult,
    ProductOrderStateChangeEvent,
)
from order_completion.orders.service import IntakeResult
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE)


@router.post(
    "/completionCase",
    dependencies=allow(Permission.OPEN_CASE),
    tags=["completionCase"],
    summary="Open a completion case for a delivered product order",
    description=(
        "The body holds a TMF622 v4 `productOrder` (needs `id`, at least one "
        "`productOrderItem` with `id` and `action`, and a `relatedParty` with role "
        "`customer`) and optionally the `policy` id to use. 201 with the new case; the same "
        "order again gives 200 with the existing case; the same order id with other items "
        "is a 409."
    ),
    status_code=201,
    responses={
        201: {"model": CompletionCaseOut, "description": "The new case"},
        200: {"model": CompletionCaseOut, "description": "The order already has this case"},
        **ERROR_RESPONSES,
    },
)
async def create_case(body: CompletionCaseCreate, response: Response, services: ServicesDep) -> Any:
    async def work(session: AsyncSession, now: datetime) -> IntakeResult:
        return await services.intake.open_case(
            session, body.product_order, now, policy_id=body.policy
        )

    result = await services.write(work)
    response.headers["Location"] = case_href(services.cases.base_url, result.case_id)
    if result.opened is None:
        response.status_code = 200
        return await read_case(services, result.case_id)
    # A new case is all in memory, its whole history included: no need to read it back.
    return case_resource(
        result.opened.case, base_url=services.cases.base_url, history=result.opened.recorded
    )


@router.post(
    "/listener/productOrderStateChangeEvent",
    dependencies=allow(Permission.RECEIVE_EVENTS),
    tags=["listener"],
    summary="Receive a TMF622 productOrderStateChangeEvent",
    description=(
        "An order whose `state` is one of the trigger states (setting `TRIGGER_STATES`, "
        "default `completed`) opens a completion case. Every `eventId` is remembered: the "
        "same event again has no second effect (`result: duplicate`)."
    ),
    status_code=201,
    responses={
        201: {"model": ListenerResult},
        200: {"model": ListenerResult, "description": "A repeated eventId: nothing done"},
        **ERROR_RESPONSES,
    },
)
async def product_order_state_change(
    body: ProductOrderStateChangeEvent, response: Response, services: ServicesDep
) -> Any:
    async def work(session: AsyncSession, now: datetime) -> tuple[str, str | None]:
        return await services.intake.handle_event(
            session,
            body,
            now,
            trigger_states=services.settings.trigger_states,
            sender=audit.ACTOR.get() or "anonymous",
        )

    outcome, case_id = await services.write(work)
    if outcome == "duplicate":
        response.status_code = 200
    result: dict[str, Any] = {"eventId": body.event_id, "result": outcome}
    if case_id is not None:
        result["completionCase"] = {
            "id": case_id,
            "href": case_href(services.cases.base_url, case_id),
        }
    return result
