"""TMF683 Party Interaction v4: the interaction log of the completion phase."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep
from order_completion.dependencies import ActorDep, MergePatch, allow, merge_patch_openapi
from order_completion.interactions import handlers, service
from order_completion.interactions.schemas import (
    BASE,
    PartyInteractionCreate,
    PartyInteractionOut,
    PartyInteractionUpdate,
    interaction_resource,
)
from order_completion.interactions.tables import PartyInteraction
from order_completion.tmf import query
from order_completion.tmf.counting import COUNTS_DESCRIPTION
from order_completion.tmf.errors import READ_ONLY
from order_completion.tmf.listing import ListParamsDep, page_of
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=BASE, tags=["partyInteraction"])

FILTERS = {
    "id": query.Attribute(PartyInteraction.id),
    "status": query.Attribute(PartyInteraction.status),
    "direction": query.Attribute(PartyInteraction.direction),
    "reason": query.Attribute(PartyInteraction.reason),
    "relatedParty.id": query.Attribute(PartyInteraction.related_party, "element"),
    "channel.id": query.Attribute(PartyInteraction.channel, "element"),
    "channel.name": query.Attribute(PartyInteraction.channel, "element", key="name"),
    "channel.href": query.Attribute(PartyInteraction.channel, "element", key="href"),
    "interactionItem.item.id": query.Attribute(PartyInteraction.case_id),
    "creationDate": query.Attribute(PartyInteraction.creation_date, "date"),
    "statusChangeDate": query.Attribute(PartyInteraction.status_change_date, "date"),
    "interactionDate.startDateTime": query.Attribute(PartyInteraction.interaction_start, "date"),
    "interactionDate.endDateTime": query.Attribute(PartyInteraction.interaction_end, "date"),
}
ONE = {200: {"model": PartyInteractionOut, "description": "The interaction"}, **ERROR_RESPONSES}


@router.post(
    "/partyInteraction",
    summary="Log an interaction with a party",
    description=(
        "`direction` (any string, kept as sent), `reason` and `channel` are required; "
        "`status` defaults to `open` and `interactionDate.startDateTime` to now. A channel or "
        "party reference sent without the `href` (or `@referredType`) TMF683 requires is "
        "shown with one (`urn:order-completion:<kind>:<id>`). An `interactionItem` whose "
        "`item` has `@referredType` `CompletionCase` links the interaction to that case."
    ),
    status_code=201,
    dependencies=allow(Permission.MANAGE_INTERACTIONS),
    response_model=PartyInteractionOut,
    responses={201: {"model": PartyInteractionOut}, **ERROR_RESPONSES},
)
async def create(body: PartyInteractionCreate, app: CaseServicesDep, actor: ActorDep) -> Response:
    row = await handlers.log_interaction(app.uow(), handlers.LogInteraction(body, actor))
    resource = interaction_resource(row, app.base_url)
    return json_resource(resource, status_code=201, headers={"Location": resource["href"]})


@router.get(
    "/partyInteraction",
    summary="List interactions",
    description=(
        "Newest first. Filters: `id`, `status`, `direction`, `reason`, "
        "`interactionItem.item.id` (the completion case), and the dates `creationDate`, "
        "`statusChangeDate`, `interactionDate.startDateTime`, `interactionDate.endDateTime` "
        "with `.gt/.gte/.lt/.lte`; "
        "`relatedParty.id` (any party), `channel.id`, `channel.name` and `channel.href` "
        "match a value inside the list exactly (comma-separated values: any of them) and "
        "scan the interactions the other filters leave, so combine them with a date or "
        "`interactionItem.item.id` on a large log. " + COUNTS_DESCRIPTION
    ),
    dependencies=allow(Permission.READ),
    response_model=list[PartyInteractionOut],
    responses={200: {"model": list[PartyInteractionOut]}, **ERROR_RESPONSES},
)
async def list_interactions(params: ListParamsDep, app: CaseServicesDep) -> Response:
    async with app.db.read() as session:
        return await page_of(
            session,
            select(PartyInteraction),
            FILTERS,
            params,
            order_by=[PartyInteraction.creation_date.desc(), PartyInteraction.id],
            render=lambda row: interaction_resource(row, app.base_url),
            counts=app.counts,
        )


@router.get(
    "/partyInteraction/{interaction_id}",
    summary="Read one interaction",
    dependencies=allow(Permission.READ),
    response_model=PartyInteractionOut,
    responses=ONE,
)
async def get_interaction(
    interaction_id: str,
    app: CaseServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Response:
    async with app.db.read() as session:
        row = await service.get(session, interaction_id)
    resource = interaction_resource(row, app.base_url)
    return json_resource(query.select_fields(resource, query.parse_fields(fields)))


@router.patch(
    "/partyInteraction/{interaction_id}",
    summary="Change an interaction",
    description=(
        "A JSON merge patch; a change of `status` sets `statusChangeDate`. An interaction the "
        "service logged itself is a record: only notes may be added to it (409 naming the "
        "attribute otherwise)."
    ),
    dependencies=allow(Permission.MANAGE_INTERACTIONS),
    response_model=PartyInteractionOut,
    responses=ONE,
    openapi_extra=merge_patch_openapi(PartyInteractionUpdate),
)
async def patch_interaction(
    interaction_id: str, patch: MergePatch, app: CaseServicesDep, actor: ActorDep
) -> Response:
    query.refuse_read_only(patch, READ_ONLY | {"direction"})
    body = PartyInteractionUpdate.model_validate(patch)
    command = handlers.ChangeInteraction(interaction_id, body, actor)
    row = await handlers.change_interaction(app.uow(), command)
    return json_resource(interaction_resource(row, app.base_url))


@router.delete(
    "/partyInteraction/{interaction_id}",
    summary="Delete an interaction",
    description="Only interactions logged through this API; one the service logged is 409.",
    status_code=204,
    dependencies=allow(Permission.MANAGE_INTERACTIONS),
    responses=ERROR_RESPONSES,
)
async def delete_interaction(
    interaction_id: str, app: CaseServicesDep, actor: ActorDep
) -> Response:
    await handlers.delete_interaction(app.uow(), handlers.DeleteInteraction(interaction_id, actor))
    return Response(status_code=204)
