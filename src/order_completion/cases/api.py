"""HTTP routes that read completion cases and change their state."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from order_completion.auth.rules import Permission
from order_completion.cases import handlers, queries
from order_completion.cases.ports import CaseServicesDep, read_case, wants_history
from order_completion.cases.representation import API_BASE, case_resource
from order_completion.cases.rules import CaseState
from order_completion.cases.schemas import (
    READ_ONLY_ATTRIBUTES,
    CaseStatePatch,
    CompletionCaseOut,
    HistoryOut,
)
from order_completion.dependencies import ActorDep, MergePatch, allow, merge_patch_openapi
from order_completion.errors import InvalidInput, NotFound
from order_completion.tmf import query
from order_completion.tmf.counting import COUNTS_DESCRIPTION
from order_completion.tmf.listing import ListParamsDep
from order_completion.tmf.responses import json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["completionCase"])


@router.get(
    "/completionCase",
    dependencies=allow(Permission.READ),
    summary="List completion cases",
    description=(
        "Newest first. Filters: `state`, `productOrder.id`, `productOrder.category`, "
        "`relatedParty.id`, `policy.id`, `jeopardy`, `waitingFor` (`customer`, `engineer`, "
        "`trainer`, `nobody`), `id`, and the dates `creationDate`, "
        "`lastUpdate`, `completionDate`, `startOfServiceDate` with `.gt/.gte/.lt/.lte`. "
        "Comma-separated values are OR. `fields` picks attributes (`fields=history` adds "
        "each case's history, which is otherwise left out); `offset`/`limit` page "
        "(limit at most 1000). " + COUNTS_DESCRIPTION
    ),
    response_model=list[CompletionCaseOut],
    responses={
        200: {"model": list[CompletionCaseOut], "description": "A page of cases"},
        **ERROR_RESPONSES,
    },
)
async def list_cases(params: ListParamsDep, app: CaseServicesDep) -> Response:
    wanted = params.parse(queries.FILTERS)
    async with app.db.read() as session:
        cases, total = await queries.list_cases(session, wanted.filters, wanted.page, app.counts)
        history = (
            await queries.history_of(session, [case.id for case in cases])
            if wants_history(wanted.fields)
            else None
        )
    items = [
        query.select_fields(
            case_resource(
                case,
                base_url=app.base_url,
                history=None if history is None else history[case.id],
            ),
            wanted.fields,
        )
        for case in cases
    ]
    return json_page(items, total=total)


@router.get(
    "/completionCase/{case_id}",
    dependencies=allow(Permission.READ),
    summary="Read one completion case",
    description=(
        "The case with its steps, milestones and order items. Its history is the "
        "sub-resource at `historyHref`; `fields=history` (alone or with other attributes) "
        "inlines it."
    ),
    response_model=CompletionCaseOut,
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
)
async def get_case(
    case_id: str,
    app: CaseServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Response:
    wanted = query.parse_fields(fields)
    case = await read_case(app, case_id, with_history=wants_history(wanted))
    return json_resource(query.select_fields(case, wanted))


@router.get(
    "/completionCase/{case_id}/history",
    dependencies=allow(Permission.READ),
    summary="Page through the history of a completion case",
    description=(
        "Everything that happened to the case, oldest first. `offset`/`limit` page (limit "
        "100 by default, at most 1000); `X-Total-Count` tells how many entries the case has, "
        "`X-Result-Count` how many this page holds."
    ),
    response_model=list[HistoryOut],
    responses={
        200: {"model": list[HistoryOut], "description": "A page of history entries"},
        **ERROR_RESPONSES,
    },
)
async def get_history(
    case_id: str,
    app: CaseServicesDep,
    offset: str | None = Query(default=None, description="Index of the first entry (0)"),
    limit: str | None = Query(default=None, description="How many entries at most (100, max 1000)"),
) -> Response:
    page = query.page(offset, limit)
    async with app.db.read() as session:
        entries, total = await queries.history_page(
            session, case_id, offset=page.offset, limit=page.limit
        )
        # Every case has at least the entry that opened it: none means no such case.
        if total == 0 and not await queries.case_exists(session, case_id):
            raise NotFound(f"no completion case {case_id}")
    return json_page(entries, total=total)


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
    responses={200: {"model": CompletionCaseOut, "description": "The case"}, **ERROR_RESPONSES},
    openapi_extra=merge_patch_openapi(CaseStatePatch),
)
async def patch_case(
    case_id: str, patch: MergePatch, app: CaseServicesDep, actor: ActorDep
) -> Response:
    read_only = sorted(key for key in patch if key in READ_ONLY_ATTRIBUTES)
    if read_only:
        raise InvalidInput(f"read-only: {', '.join(read_only)}", field=read_only[0])
    body = CaseStatePatch.model_validate(patch)
    command = handlers.ChangeState(case_id, CaseState(body.state), body.reason, actor)
    await handlers.change_state(app.uow(), command)
    return json_resource(await read_case(app, case_id))
