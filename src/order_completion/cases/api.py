"""HTTP routes that read completion cases and change their state."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from order_completion.auth.rules import Permission
from order_completion.cases import handlers, queries
from order_completion.cases.ports import CaseServicesDep, read_case
from order_completion.cases.representation import API_BASE, case_resource
from order_completion.cases.rules import CaseState
from order_completion.cases.schemas import (
    READ_ONLY_ATTRIBUTES,
    CaseStatePatch,
    CompletionCaseOut,
)
from order_completion.dependencies import ActorDep, MergePatch, allow, merge_patch_openapi
from order_completion.errors import InvalidInput
from order_completion.tmf import query
from order_completion.tmf.listing import ListParamsDep
from order_completion.tmf.schemas import ERROR_RESPONSES, JsonObject

router = APIRouter(prefix=API_BASE, tags=["completionCase"])


@router.get(
    "/completionCase",
    dependencies=allow(Permission.READ),
    summary="List completion cases",
    description=(
        "Newest first. Filters: `state`, `productOrder.id`, `productOrder.category`, "
        "`relatedParty.id`, `policy.id`, `jeopardy`, `id`, and the dates `creationDate`, "
        "`lastUpdate`, `completionDate`, `startOfServiceDate` with `.gt/.gte/.lt/.lte`. "
        "Comma-separated values are OR. `fields` picks attributes; `offset`/`limit` page "
        "(limit at most 1000); `X-Total-Count` and `X-Result-Count` tell the counts."
    ),
    response_model=list[CompletionCaseOut],
    response_model_exclude_unset=True,
    responses={
        200: {"model": list[CompletionCaseOut], "description": "A page of cases"},
        **ERROR_RESPONSES,
    },
)
async def list_cases(
    params: ListParamsDep, response: Response, app: CaseServicesDep
) -> list[JsonObject]:
    wanted = params.parse(queries.FILTERS)
    with_history = wanted.fields is None or "history" in wanted.fields
    async with app.db.read() as session:
        cases, total = await queries.list_cases(session, wanted.filters, wanted.page)
        history = (
            await queries.history_of(session, [case.id for case in cases]) if with_history else {}
        )
    items = [
        query.select_fields(
            case_resource(case, base_url=app.base_url, history=history.get(case.id)),
            wanted.fields,
        )
        for case in cases
    ]
    query.set_count_headers(response, total=total, returned=len(items))
    return items


@router.get(
    "/completionCase/{case_id}",
    dependencies=allow(Permission.READ),
    summary="Read one completion case",
    response_model=CompletionCaseOut,
    response_model_exclude_unset=True,
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
)
async def get_case(
    case_id: str,
    app: CaseServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> JsonObject:
    return query.select_fields(await read_case(app, case_id), query.parse_fields(fields))


@router.patch(
    "/completionCase/{case_id}",
    dependencies=allow(Permission.MANAGE_CASE),
    summary="Hold, resume or cancel a completion case",
    description=(
        "A JSON merge patch (`application/json` or `application/merge-patch+json`) with "
        "`state` (`hold`, `active`, `cancelled`) and an optional `reason`. Only the "
        "transitions active→hold, hold→active, active/hold→cancelled are allowed (409 "
        "otherwise). Holding pauses every timer of the case; resuming shifts them by the "
        "time spent on hold."
    ),
    response_model=CompletionCaseOut,
    response_model_exclude_unset=True,
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
    openapi_extra=merge_patch_openapi(CaseStatePatch),
)
async def patch_case(
    case_id: str, patch: MergePatch, app: CaseServicesDep, actor: ActorDep
) -> JsonObject:
    read_only = sorted(key for key in patch if key in READ_ONLY_ATTRIBUTES)
    if read_only:
        raise InvalidInput(f"read-only: {', '.join(read_only)}", field=read_only[0])
    body = CaseStatePatch.model_validate(patch)
    command = handlers.ChangeState(case_id, CaseState(body.state), body.reason, actor)
    await handlers.change_state(app.uow(), command)
    return await read_case(app, case_id)
