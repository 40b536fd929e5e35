"""The delivery ledger under each hub: deliveries and attempts of a subscription, replay,
re-enabling and secret rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from order_completion.auth.rules import Permission
from order_completion.clock import Clock, iso
from order_completion.database import Database
from order_completion.dependencies import allow, services
from order_completion.events import ledger, subscriptions
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.events.deliveries import Delivery
from order_completion.events.guard import CallbackGuard
from order_completion.events.handlers import HubCommands
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


HubServicesDep = Annotated[HubServices, Depends(services(HubServices))]


def commands(app: HubServices) -> HubCommands:
    return HubCommands(app.db, app.clock)


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
        dependencies=allow(Permission.READ),
        response_model=list[DeliveryOut],
        responses={200: {"model": list[DeliveryOut]}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_listDeliveries",
    )
    async def list_deliveries(hub_id: str, params: ListParamsDep, app: HubServicesDep) -> Response:
        async with app.db.read() as session:
            await subscriptions.get(session, api=api, subscription_id=hub_id)
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
        dependencies=allow(Permission.READ),
        response_model=DeliveryOut,
        response_model_exclude_unset=True,
        responses={200: {"model": DeliveryOut}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_getDelivery",
    )
    async def get_delivery(hub_id: str, delivery_id: str, app: HubServicesDep) -> JsonObject:
        async with app.db.read() as session:
            await subscriptions.get(session, api=api, subscription_id=hub_id)
            row = await ledger.get_delivery(session, hub_id, delivery_id)
            attempts = await ledger.attempts_of(session, delivery_id)
        return ledger.delivery_resource(row, href(app.base_url, hub_id, row.id), attempts)

    @router.post(
        "/delivery/{delivery_id}/replay",
        summary="Send one delivery again",
        dependencies=allow(Permission.MANAGE_HUBS),
        response_model=DeliveryOut,
        response_model_exclude_unset=True,
        responses={200: {"model": DeliveryOut}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_replayDelivery",
    )
    async def replay_one(hub_id: str, delivery_id: str, app: HubServicesDep) -> JsonObject:
        row = await commands(app).replay_one(api, hub_id, delivery_id)
        return ledger.delivery_resource(row, href(app.base_url, hub_id, row.id))

    @router.post(
        "/replay",
        summary="Send again every delivery of a time range",
        dependencies=allow(Permission.MANAGE_HUBS),
        response_model=ReplayResult,
        response_model_exclude_unset=True,
        responses={200: {"model": ReplayResult}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_replayRange",
    )
    async def replay_range(hub_id: str, body: ReplayRange, app: HubServicesDep) -> dict[str, int]:
        return {"replayed": await commands(app).replay_range(api, hub_id, body.start, body.end)}

    @router.post(
        "/enable",
        summary="Re-enable a disabled listener",
        dependencies=allow(Permission.MANAGE_HUBS),
        responses=ERROR_RESPONSES,
        operation_id=f"{api.value}_enableListener",
        status_code=204,
    )
    async def enable(hub_id: str, app: HubServicesDep) -> Response:
        await commands(app).enable(api, hub_id)
        return Response(status_code=204)

    @router.post(
        "/rotateSecret",
        summary="Give a listener a new signing secret",
        description="The new secret is shown once; the previous one keeps signing (both "
        "signatures are sent) for `keepPreviousHours`.",
        dependencies=allow(Permission.MANAGE_HUBS),
        response_model=RotatedSecret,
        response_model_exclude_unset=True,
        responses={200: {"model": RotatedSecret}, **ERROR_RESPONSES},
        operation_id=f"{api.value}_rotateSecret",
    )
    async def rotate(hub_id: str, body: SecretRotation, app: HubServicesDep) -> JsonObject:
        keep = timedelta(hours=body.keepPreviousHours)
        rotated = await commands(app).rotate_secret(api, hub_id, keep)
        return {
            "secret": rotated.secret,
            "previousSecretValidUntil": iso(rotated.previous_valid_until),
        }

    return router
