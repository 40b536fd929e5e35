"""HTTP routes that bring product orders in: the case create and the TMF622 listener."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Response

from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServices, read_case
from order_completion.cases.representation import API_BASE, case_href, case_resource
from order_completion.cases.schemas import CompletionCaseOut
from order_completion.dependencies import ActorDep, CallerDep, allow, services
from order_completion.orders.handlers import (
    Intake,
    IntakeOutcome,
    OpenCase,
    ReceiveOrderEvent,
)
from order_completion.orders.schemas import (
    CompletionCaseCreate,
    ListenerResult,
    ProductOrderStateChangeEvent,
)
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES, JsonObject

router = APIRouter(prefix=API_BASE)
# Every route that opens a case takes it: what the handler does with it is in ``OpenCase``.
ForceQuery = Annotated[
    bool, Query(description="Open the case whatever the order's state (administrators only)")
]


class OrderServices(CaseServices, Protocol):
    @property
    def intake(self) -> Intake: ...


OrderServicesDep = Annotated[OrderServices, Depends(services(OrderServices))]


@router.post(
    "/completionCase",
    dependencies=allow(Permission.OPEN_CASE),
    tags=["completionCase"],
    summary="Open a completion case for a delivered product order",
    description=(
        "The body holds a TMF622 v4 `productOrder` (needs `id`, at least one "
        "`productOrderItem` with `id` and `action`, and a `relatedParty` with role "
        "`customer`) and optionally the `policy` id to use. The order must be in a trigger "
        "state (setting `TRIGGER_STATES`, as for the listener), else 409 naming "
        "`productOrder.state`; an administrator may open it anyway with `force=true`. Only a "
        "role that manages cases may name a `policy` other than the one the rules pick (403 "
        "naming `policy`). 201 with the new case; the same order again gives 200 with the "
        "existing case; the same order id with other items is a 409."
    ),
    status_code=201,
    response_model=CompletionCaseOut,
    responses={
        201: {"model": CompletionCaseOut, "description": "The new case"},
        200: {"model": CompletionCaseOut, "description": "The order already has this case"},
        **ERROR_RESPONSES,
    },
)
async def create_case(
    body: CompletionCaseCreate,
    app: OrderServicesDep,
    caller: CallerDep,
    force: ForceQuery = False,
) -> Response:
    command = OpenCase(
        body.product_order,
        caller.actor,
        force=force,
        permissions=caller.permissions,
        policy_id=body.policy,
    )
    opened = await app.intake.open_case(app.uow(), command)
    location = {"Location": case_href(app.base_url, opened.case_id)}
    if opened.case is None:
        return json_resource(await read_case(app, opened.case_id), headers=location)
    # A new case is all in memory: no need to read it back.
    resource = case_resource(opened.case, base_url=app.base_url)
    return json_resource(resource, status_code=201, headers=location)


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
    response_model=ListenerResult,
    response_model_exclude_unset=True,
    responses={
        201: {"model": ListenerResult},
        200: {"model": ListenerResult, "description": "A repeated eventId: nothing done"},
        **ERROR_RESPONSES,
    },
)
async def product_order_state_change(
    body: ProductOrderStateChangeEvent,
    response: Response,
    app: OrderServicesDep,
    actor: ActorDep,
) -> JsonObject:
    command = ReceiveOrderEvent(body, actor)
    received = await app.intake.receive_event(app.uow(), command)
    if received.outcome is IntakeOutcome.DUPLICATE:
        response.status_code = 200
    result: dict[str, Any] = {"eventId": body.event_id, "result": received.outcome.value}
    if received.case_id is not None:
        result["completionCase"] = {
            "id": received.case_id,
            "href": case_href(app.base_url, received.case_id),
        }
    return result
