"""TMF701 Process Flow v4: completion cases as process flows, their steps as task flows."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Response

from order_completion.auth.rules import Permission
from order_completion.cases import queries
from order_completion.cases.ports import CaseServices
from order_completion.dependencies import (
    CallerDep,
    MergePatch,
    allow,
    merge_patch_openapi,
    services,
)
from order_completion.orders.api import ForceQuery
from order_completion.orders.handlers import Intake, OpenCase
from order_completion.policies.service import PolicyBook
from order_completion.processflow import handlers, service
from order_completion.processflow.representation import BASE, process_flow, task_flow
from order_completion.processflow.schemas import (
    ProcessFlowCreate,
    ProcessFlowOut,
    TaskFlowOut,
    TaskFlowUpdate,
)
from order_completion.tmf import query
from order_completion.tmf.counting import COUNTS_DESCRIPTION
from order_completion.tmf.errors import READ_ONLY
from order_completion.tmf.listing import ListParamsDep
from order_completion.tmf.responses import json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=BASE, tags=["processFlow"])


class FlowServices(CaseServices, Protocol):
    @property
    def intake(self) -> Intake: ...

    @property
    def policies(self) -> PolicyBook: ...


FlowServicesDep = Annotated[FlowServices, Depends(services(FlowServices))]
# Who may feed some task; the handler then checks the permission of the task's kind.
FEEDS_SOME_TASK = (Permission.RECORD_DECISION, Permission.RECORD_TEST, Permission.RECORD_SURVEY)

FILTERS = {
    "id": queries.FILTERS["id"],
    "state": queries.FILTERS["state"],
    "processFlowSpecification": queries.FILTERS["policy.id"],
    "relatedParty.id": queries.FILTERS["relatedParty.id"],
    "relatedEntity.id": queries.FILTERS["productOrder.id"],
    "processFlowDate": queries.FILTERS["creationDate"],
}
TASK_WRITABLE = {"characteristic"}
TASK_ATTRIBUTES = {
    "state",
    "taskFlowSpecification",
    "isMandatory",
    "priority",
    "completionMethod",
    "channel",
    "relatedEntity",
    "relatedParty",
    "taskFlowRelationship",
    "@type",
    "@baseType",
    "@schemaLocation",
}


@router.post(
    "/processFlow",
    summary="Open a completion case as a process flow",
    description=(
        "`relatedEntity` carries the TMF622 product order by value (`@referredType` "
        "`ProductOrder`, its attributes inline); `processFlowSpecification` is a policy id or "
        "`completeCustomerOrder` to let the policies choose; only a role that manages cases may "
        "name a policy other than the one the rules pick (403 naming "
        "`processFlowSpecification`). The order must be in a trigger state (setting "
        "`TRIGGER_STATES`), else 409 naming `productOrder.state`; an administrator may open it "
        "anyway with `force=true`. 201 with the new flow; the same "
        "order again 200 with the existing one; the same order id with other items 409."
    ),
    status_code=201,
    dependencies=allow(Permission.OPEN_CASE),
    response_model=ProcessFlowOut,
    responses={201: {"model": ProcessFlowOut}, 200: {"model": ProcessFlowOut}, **ERROR_RESPONSES},
)
async def create_flow(
    body: ProcessFlowCreate,
    app: FlowServicesDep,
    caller: CallerDep,
    force: ForceQuery = False,
) -> Response:
    command = OpenCase(
        service.product_order_of(body),
        caller.actor,
        force=force,
        permissions=caller.permissions,
        policy_id=service.policy_of(body),
        policy_field="processFlowSpecification",
    )
    opened = await app.intake.open_case(app.uow(), command)
    resource = await _read_flow(app, opened.case_id)
    return json_resource(
        resource,
        status_code=201 if opened.created else 200,
        headers={"Location": str(resource["href"])},
    )


async def _read_flow(app: CaseServices, case_id: str) -> dict[str, Any]:
    async with app.db.read() as session:
        case = await queries.get_case(session, case_id)
    return process_flow(case, app.base_url)


@router.get(
    "/processFlow",
    summary="List process flows",
    description=(
        "Filters: `id`, `state`, `processFlowSpecification`, `relatedParty.id`, "
        "`relatedEntity.id` (the product order), `processFlowDate` with `.gt/.gte/.lt/.lte`. "
        + COUNTS_DESCRIPTION
    ),
    dependencies=allow(Permission.READ),
    response_model=list[ProcessFlowOut],
    responses={200: {"model": list[ProcessFlowOut]}, **ERROR_RESPONSES},
)
async def list_flows(params: ListParamsDep, app: FlowServicesDep) -> Response:
    wanted = params.parse(FILTERS)
    async with app.db.read() as session:
        cases, total = await queries.list_cases(
            session, wanted.filters, wanted.page, app.counts, attributes=FILTERS
        )
    items = [query.select_fields(process_flow(case, app.base_url), wanted.fields) for case in cases]
    return json_page(items, total=total)


@router.get(
    "/processFlow/{flow_id}",
    summary="Read one process flow",
    dependencies=allow(Permission.READ),
    response_model=ProcessFlowOut,
    responses={200: {"model": ProcessFlowOut}, **ERROR_RESPONSES},
)
async def get_flow(
    flow_id: str,
    app: FlowServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Response:
    flow = await _read_flow(app, flow_id)
    return json_resource(query.select_fields(flow, query.parse_fields(fields)))


@router.get(
    "/processFlow/{flow_id}/taskFlow",
    summary="List the task flows of a process flow",
    description="Filters: `state`, `taskFlowSpecification`; `fields`, `offset`, `limit`.",
    dependencies=allow(Permission.READ),
    response_model=list[TaskFlowOut],
    responses={200: {"model": list[TaskFlowOut]}, **ERROR_RESPONSES},
)
async def list_tasks(flow_id: str, params: ListParamsDep, app: FlowServicesDep) -> Response:
    filters = query.parse_filters(params.params, {"state", "taskFlowSpecification"})
    page = query.page(params.offset, params.limit)
    async with app.db.read() as session:
        case = await queries.get_case(session, flow_id)
    tasks = [task_flow(case, step, app.base_url) for step in case.steps]
    for item in filters:
        tasks = [task for task in tasks if str(task[item.attribute]) in item.values]
    chosen = tasks[page.offset : page.offset + page.limit]
    fields = query.parse_fields(params.fields)
    return json_page([query.select_fields(task, fields) for task in chosen], total=len(tasks))


async def _read_task(app: CaseServices, flow_id: str, task_id: str) -> dict[str, Any]:
    async with app.db.read() as session:
        case = await queries.get_case(session, flow_id)
    return task_flow(case, case.step(task_id), app.base_url)


@router.get(
    "/processFlow/{flow_id}/taskFlow/{task_id}",
    summary="Read one task flow",
    dependencies=allow(Permission.READ),
    response_model=TaskFlowOut,
    responses={200: {"model": TaskFlowOut}, **ERROR_RESPONSES},
)
async def get_task(
    flow_id: str,
    task_id: str,
    app: FlowServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Response:
    task = await _read_task(app, flow_id, task_id)
    return json_resource(query.select_fields(task, query.parse_fields(fields)))


@router.patch(
    "/processFlow/{flow_id}/taskFlow/{task_id}",
    dependencies=allow(*FEEDS_SOME_TASK),
    summary="Give a waiting task flow what it needs",
    description=(
        "A merge patch with `characteristic` only: `decision` (`accepted`/`rejected`), "
        "`decidedBy`, `reason`, `punchList` on the acceptance task; `result`, `testItem`, "
        "`witnessedBy`, `note` on the commissioning test; `score`, `comment` on the survey. "
        "Same effect and checks as the completion case's step actions; 409 when the task "
        "does not wait for it. The task's state follows from the process and cannot be set."
    ),
    response_model=TaskFlowOut,
    responses={200: {"model": TaskFlowOut}, **ERROR_RESPONSES},
    openapi_extra=merge_patch_openapi(TaskFlowUpdate),
)
async def patch_task(
    flow_id: str,
    task_id: str,
    patch: MergePatch,
    app: FlowServicesDep,
    caller: CallerDep,
) -> Response:
    query.refuse_read_only(patch, (READ_ONLY | TASK_ATTRIBUTES) - TASK_WRITABLE)
    body = TaskFlowUpdate.model_validate(patch)
    command = handlers.ProvideTask(flow_id, task_id, body, caller.actor, caller.permissions)
    await handlers.provide_task(app.uow(), command)
    return json_resource(await _read_task(app, flow_id, task_id))
