"""The TMF630 hub of an API: register, list, read and remove event subscriptions.

A hub belongs to the caller that registered it: only that caller and administrators see or
manage it; to anyone else it does not exist (404)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from order_completion.events import subscriptions
from order_completion.events.api import MANAGES, READS, HubCallerDep, HubServicesDep
from order_completion.events.catalog import BASE_PATHS, EVENT_TYPES, Api
from order_completion.events.rules import HubCaller, redacted_url
from order_completion.events.subscriptions import Subscription
from order_completion.tmf import query
from order_completion.tmf.listing import ListParamsDep, page_of
from order_completion.tmf.schemas import ERROR_RESPONSES, JsonObject


class EventSubscriptionInput(BaseModel):
    """Where to send events, and which (a TMF630 query such as ``eventType=...``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "callback": "https://crm.example.com/listener",
                    "query": "eventType=completionCaseMilestoneEvent",
                }
            ]
        },
    )

    callback: str = Field(min_length=1, max_length=2000)
    query: str | None = Field(default=None, max_length=2000)
    deliveryStyle: Literal["callback", "listener"] = Field(
        default="callback",
        description="POST to the callback as is (callback), or to "
        "{callback}/listener/{eventName} (listener)",
    )


class EventSubscription(BaseModel):
    """A registration. ``secret`` (Standard Webhooks, ``whsec_...``) is shown only in the
    answer to the registration; every delivery is signed with it."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    callback: str
    query: str | None = None
    deliveryStyle: str | None = None
    state: Literal["active", "disabled"] | None = None
    disabledReason: str | None = None
    secret: str | None = None


FILTERS = {
    "deliveryStyle": query.Attribute(Subscription.style),
    "creationDate": query.Attribute(Subscription.created_at, "date"),
}


def _resource(api: Api, row: Subscription, base_url: str, caller: HubCaller) -> JsonObject:
    """A registration as ``caller`` may see it: its callback's credentials only to those
    who may manage it. What it lacks (``query``, ``disabledReason``) is left out, as the
    TMF v4 schemas type them as strings, never null."""
    resource = {
        "id": row.id,
        "href": f"{base_url}{BASE_PATHS[api]}/hub/{row.id}",
        "@type": "EventSubscription",
        "callback": row.callback
        if caller.sees_credentials(row.owner)
        else redacted_url(row.callback),
        "query": row.query,
        "deliveryStyle": row.style,
        "state": "disabled" if row.disabled_at else "active",
        "disabledReason": row.disabled_reason,
    }
    return {name: value for name, value in resource.items() if value is not None}


def hub_router(api: Api) -> APIRouter:
    """The four hub routes under the base path of ``api``."""
    router = APIRouter(prefix=BASE_PATHS[api], tags=[f"{api.value} hub"])
    events = ", ".join(f"`{name}`" for name in sorted(EVENT_TYPES[api]))

    @router.post(
        "/hub",
        summary="Register a listener for events of this API",
        description=f"Events of this API: {events}. The `query` selects some of them. "
        "The hub belongs to the caller: only it and administrators see and manage it. "
        "One caller holds at most ORDER_COMPLETION_MAX_SUBSCRIPTIONS_PER_OWNER hubs "
        "(409 above).",
        status_code=201,
        response_model=EventSubscription,
        response_model_exclude_unset=True,
        responses={201: {"model": EventSubscription}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_registerListener",
        dependencies=MANAGES,
    )
    async def register(
        body: EventSubscriptionInput, response: Response, app: HubServicesDep, caller: HubCallerDep
    ) -> JsonObject:
        await app.guard.check(body.callback)

        registered = await app.hubs().register(
            api, callback=body.callback, query=body.query, style=body.deliveryStyle, owner=caller
        )
        resource = {
            **_resource(api, registered.subscription, app.base_url, caller),
            "secret": registered.secret,
        }
        response.headers["Location"] = str(resource["href"])
        return resource

    @router.get(
        "/hub",
        summary="List the listeners registered on this API",
        description="The caller's own listeners (every one, to administrators), oldest "
        "first, paged with `offset` and `limit`. Filters: `deliveryStyle`, `creationDate` "
        "with `.gt/.gte/.lt/.lte`.",
        response_model=list[EventSubscription],
        responses={200: {"model": list[EventSubscription]}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_listListeners",
        dependencies=READS,
    )
    async def list_hubs(
        params: ListParamsDep, app: HubServicesDep, caller: HubCallerDep
    ) -> Response:
        async with app.db.read() as session:
            return await page_of(
                session,
                subscriptions.listed(api, caller),
                FILTERS,
                params,
                order_by=[Subscription.created_at, Subscription.id],
                render=lambda row: _resource(api, row, app.base_url, caller),
                counts=app.counts,
            )

    @router.get(
        "/hub/{hub_id}",
        summary="Read one listener registration",
        description="Only its owner and administrators see it; to others it is 404.",
        response_model=EventSubscription,
        response_model_exclude_unset=True,
        responses={200: {"model": EventSubscription}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_getListener",
        dependencies=READS,
    )
    async def get_hub(hub_id: str, app: HubServicesDep, caller: HubCallerDep) -> JsonObject:
        async with app.db.read() as session:
            row = await subscriptions.get(session, api=api, subscription_id=hub_id, caller=caller)
        return _resource(api, row, app.base_url, caller)

    @router.delete(
        "/hub/{hub_id}",
        summary="Remove a listener",
        status_code=204,
        responses=ERROR_RESPONSES,
        operation_id=f"{api.value}_unregisterListener",
        dependencies=MANAGES,
    )
    async def unregister(hub_id: str, app: HubServicesDep, caller: HubCallerDep) -> Response:
        await app.hubs().remove(api, hub_id, caller)
        return Response(status_code=204)

    return router
