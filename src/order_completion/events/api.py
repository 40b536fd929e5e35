"""The delivery ledger under each hub: deliveries and attempts of a subscription, replay,
re-enabling and secret rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from order_completion.auth.rules import Permission, Role
from order_completion.auth.service import Principal
from order_completion.clock import Clock, iso
from order_completion.database import Database
from order_completion.dependencies import CallerDep, allow, services
from order_completion.events import ledger, subscriptions
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.events.deliveries import Delivery
from order_completion.events.guard import CallbackGuard
from order_completion.events.handlers import HubCommands
from order_completion.events.rules import HubCaller
from order_completion.events.sealing import SecretBox
from order_completion.tmf import query
from order_completion.tmf.counting import COUNTS_DESCRIPTION, RowCounter
from order_completion.tmf.listing import ListParamsDep, page_of
from order_completion.tmf.schemas import ERROR_RESPONSES, JsonObject, UtcDateTime


class AttemptOut(BaseModel):
    number: int
    startDate: str
    durationMs: int
    url: str
    statusCode: int | None = None
    responseBody: str | None = None
    error: str | None = None
    verdict: str


class DeliveryOut(BaseModel):
    """One event sent (or to be sent) to one subscription."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    eventId: str | None = None
    eventType: str | None = None
    status: str | None = None
    attempts: int | None = None
    nextAttemptDate: str | None = None
    lastStatusCode: int | None = None
    lastError: str | None = None
    creationDate: str | None = None
    deliveredDate: str | None = None
    attempt: list[AttemptOut] | None = None


class ReplayRange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"from": "2026-11-27T00:00:00Z", "to": "2026-11-28T00:00:00Z"}]
        },
    )

    start: UtcDateTime = Field(alias="from")
    end: UtcDateTime = Field(alias="to")


class ReplayResult(BaseModel):
    replayed: int


class SecretRotation(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"keepPreviousHours": 24}]}
    )

    keepPreviousHours: float = Field(default=24, ge=0, le=24 * 30)


class RotatedSecret(BaseModel):
    secret: str
    previousSecretValidUntil: str


FILTERS = {
    "status": query.Attribute(Delivery.status),
    "eventType": query.Attribute(Delivery.event_type),
    "eventId": query.Attribute(Delivery.event_id),
    "creationDate": query.Attribute(Delivery.created_at, "date"),
}


class HubServices(Protocol):
    """What the hub and ledger routes need from the application."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def guard(self) -> CallbackGuard: ...

    @property
    def base_url(self) -> str: ...

    @property
    def counts(self) -> RowCounter: ...

    @property
    def secret_box(self) -> SecretBox: ...

    def hubs(self) -> HubCommands: ...


HubServicesDep = Annotated[HubServices, Depends(services(HubServices))]


def hub_caller_of(principal: Principal) -> HubCaller:
    """The caller as the hubs' rules see it: its credential's key, and what its roles let
    it do with hubs."""
    return HubCaller(
        key=principal.key,
        admin=Role.ADMIN in principal.roles,
        manages_hubs=Permission.MANAGE_HUBS in principal.permissions,
    )


async def current_hub_caller(caller: CallerDep) -> HubCaller:
    """The route's caller (``CallerDep``) as the hubs' rules see it."""
    return hub_caller_of(caller)


HubCallerDep = Annotated[HubCaller, Depends(current_hub_caller)]
# What each hub route asks of its caller, checked by the gate before the body is read.
READS = allow(Permission.READ)
MANAGES = allow(Permission.MANAGE_HUBS)


def ledger_router(api: Api) -> APIRouter:
    base = BASE_PATHS[api]
    router = APIRouter(prefix=f"{base}/hub/{{hub_id}}", tags=[f"{api.value} hub"])

    def href(base_url: str, hub_id: str, delivery_id: str) -> str:
        return f"{base_url}{base}/hub/{hub_id}/delivery/{delivery_id}"

    @router.get(
        "/delivery",
        summary="List the deliveries of a listener",
        description="Newest first. Filters: `status` (pending, delivered, failed), "
        "`eventType`, `eventId`, `creationDate` with `.gt/.gte/.lt/.lte`. " + COUNTS_DESCRIPTION,
        response_model=list[DeliveryOut],
        responses={200: {"model": list[DeliveryOut]}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_listDeliveries",
        dependencies=READS,
    )
    async def list_deliveries(
        hub_id: str, params: ListParamsDep, app: HubServicesDep, caller: HubCallerDep
    ) -> Response:
        async with app.db.read() as session:
            await subscriptions.get(session, api=api, subscription_id=hub_id, caller=caller)
            return await page_of(
                session,
                select(Delivery).where(Delivery.subscription_id == hub_id),
                FILTERS,
                params,
                order_by=[Delivery.created_at.desc(), Delivery.id],
                render=lambda row: ledger.delivery_resource(
                    row, href(app.base_url, hub_id, row.id)
                ),
                counts=app.counts,
            )

    @router.get(
        "/delivery/{delivery_id}",
        summary="Read one delivery with every attempt",
        description="Each attempt's URL and the receiver's answer are shown to callers who "
        "may manage hubs; to others the URL's credentials are masked and the answer left out.",
        response_model=DeliveryOut,
        response_model_exclude_unset=True,
        responses={200: {"model": DeliveryOut}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_getDelivery",
        dependencies=READS,
    )
    async def get_delivery(
        hub_id: str, delivery_id: str, app: HubServicesDep, caller: HubCallerDep
    ) -> JsonObject:
        async with app.db.read() as session:
            hub = await subscriptions.get(session, api=api, subscription_id=hub_id, caller=caller)
            row = await ledger.get_delivery(session, hub_id, delivery_id)
            attempts = await ledger.attempts_of(session, delivery_id)
        return ledger.delivery_resource(
            row,
            href(app.base_url, hub_id, row.id),
            attempts,
            with_credentials=caller.sees_credentials(hub.owner),
        )

    @router.post(
        "/delivery/{delivery_id}/replay",
        summary="Send one delivery again",
        response_model=DeliveryOut,
        response_model_exclude_unset=True,
        responses={200: {"model": DeliveryOut}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_replayDelivery",
        dependencies=MANAGES,
    )
    async def replay_one(
        hub_id: str, delivery_id: str, app: HubServicesDep, caller: HubCallerDep
    ) -> JsonObject:
        row = await app.hubs().replay_one(api, hub_id, delivery_id, caller)
        return ledger.delivery_resource(row, href(app.base_url, hub_id, row.id))

    @router.post(
        "/replay",
        summary="Send again every delivery of a time range",
        response_model=ReplayResult,
        response_model_exclude_unset=True,
        responses={200: {"model": ReplayResult}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_replayRange",
        dependencies=MANAGES,
    )
    async def replay_range(
        hub_id: str, body: ReplayRange, app: HubServicesDep, caller: HubCallerDep
    ) -> dict[str, int]:
        replayed = await app.hubs().replay_range(api, hub_id, body.start, body.end, caller)
        return {"replayed": replayed}

    @router.post(
        "/enable",
        summary="Re-enable a disabled listener",
        responses=ERROR_RESPONSES,
        operation_id=f"{api.value}_enableListener",
        dependencies=MANAGES,
        status_code=204,
    )
    async def enable(hub_id: str, app: HubServicesDep, caller: HubCallerDep) -> Response:
        await app.hubs().enable(api, hub_id, caller)
        return Response(status_code=204)

    @router.post(
        "/rotateSecret",
        summary="Give a listener a new signing secret",
        description="The new secret is shown once; the previous one keeps signing (both "
        "signatures are sent) for `keepPreviousHours`.",
        response_model=RotatedSecret,
        response_model_exclude_unset=True,
        responses={200: {"model": RotatedSecret}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_rotateSecret",
        dependencies=MANAGES,
    )
    async def rotate(
        hub_id: str, body: SecretRotation, app: HubServicesDep, caller: HubCallerDep
    ) -> JsonObject:
        keep = timedelta(hours=body.keepPreviousHours)
        rotated = await app.hubs().rotate_secret(api, hub_id, keep, caller)
        return {
            "secret": rotated.secret,
            "previousSecretValidUntil": iso(rotated.previous_valid_until),
        }

    return router
