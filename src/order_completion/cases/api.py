"""HTTP routes that read completion cases and change their state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.auth.rules import Permission
from order_completion.cases import queries
from order_completion.cases.representation import API_BASE, case_resource
from order_completion.cases.rules import CaseState
from order_completion.cases.schemas import (
    READ_ONLY_ATTRIBUTES,
    CaseStatePatch,
    CompletionCaseOut,
)
from order_completion.dependencies import (
    MergePatch,
    ServicesDep,
    allow,
    merge_patch_openapi,
    read_case,
)
from order_completion.errors import InvalidInput
from order_completion.tmf import query
from order_completion.tmf.listing import ListParamsDep
from order_completion.tmf.schemas import ERROR_RESPONSES

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
    responses={
        200: {"model": list[CompletionCaseOut], "description": "A page of cases"},
        **ERROR_RESPONSES,
    },
)
async def list_cases(params: ListParamsDep, response: Response, services: ServicesDep) -> Any:
    wanted = params.parse(queries.FILTERS)
    history = wanted.fields is None or "history" in wanted.fields
    async with services.db.read() as session:
        rows, total = await queries.list_cases(
            session, wanted.filters, wanted.page, with_history=history
        )
        items = [
            query.select_fields(
                case_resource(row, base_url=services.cases.base_url, include_history=history),
                wanted.fields,
            )
            for row in rows
        ]
    query.set_count_headers(response, total=total, returned=len(items))
    return items


@router.get(
    "/completionCase/{case_id}",
    dependencies=allow(Permission.READ),
    summary="Read one completion case",
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
)
async def get_case(
    case_id: str,
    services: ServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Any:
    return query.select_fields(await read_case(services, case_id), query.parse_fields(fields))


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
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
    openapi_extra=merge_patch_openapi(CaseStatePatch),
)
async def patch_case(case_id: str, patch: MergePatch, services: ServicesDep) -> Any:
    read_only = sorted(key for key in patch if key in READ_ONLY_ATTRIBUTES)
    if read_only:
        raise InvalidInput(f"read-only: {', '.join(read_only)}", field=read_only[0])
    body = CaseStatePatch.model_validate(patch)

    async def work(session: AsyncSession, now: datetime) -> None:
        unit = await services.cases.require(session, case_id, now)
        await unit.change_state(CaseState(body.state), body.reason)

    await services.write(work)
    return await read_case(services, case_id)
