"""HTTP routes of the sandbox: per peer API its resource (create, list, read, merge-patch,
delete) and its hub, and the sandbox's own control routes under ``/sandbox/v1``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from order_completion.dependencies import MergePatch
from order_completion.errors import NotFound
from order_completion.sandbox import mailbox
from order_completion.sandbox.catalog import PEERS_BY_NAME, PeerApi
from order_completion.sandbox.control import Fault
from order_completion.sandbox.handlers import HubRegistration, Sandbox
from order_completion.sandbox.notify import DeliveryStyle
from order_completion.tmf.listing import ListParamsDep
from order_completion.tmf.responses import JsonResponse, json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES


def sandbox_of(request: Request) -> Sandbox:
    return cast(Sandbox, request.app.state.sandbox)


SandboxDep = Annotated[Sandbox, Depends(sandbox_of)]
# RFC 9110 token characters.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
JsonBody = Annotated[dict[str, Any], Body(description="The resource, as its spec's *_Create")]


class HubIn(BaseModel):
    """TMF630 ``EventSubscriptionInput``, and where to POST the events."""

    model_config = ConfigDict(extra="forbid")

    callback: str = Field(description="URL the events are POSTed to")
    query: str | None = Field(
        default=None, description="e.g. eventType=ProductOrderStateChangeEvent&event...state=x"
    )
    deliveryStyle: DeliveryStyle = Field(
        default=DeliveryStyle.CALLBACK,
        description="`callback`: to the URL as given; `listener`: to {callback}/listener/{event}",
    )
    headers: dict[str, str] | None = Field(
        default=None,
        max_length=10,
        description='Sent with every event, e.g. {"Authorization": "Bearer ..."} for a '
        "listener that wants a token (a sandbox extension: TMF630 has no such field)",
    )

    @field_validator("headers")
    @classmethod
    def _sendable(cls, headers: dict[str, str] | None) -> dict[str, str] | None:
        for name, value in (headers or {}).items():
            if not HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a header name")
            if any(ord(character) < 32 or ord(character) == 127 for character in value):
                raise ValueError(f"the value of {name} holds a control character")
        return headers


def peer_router(peer: PeerApi) -> APIRouter:
    """The routes of one peer API, at its standard root."""
    router = APIRouter(prefix=peer.root, tags=[peer.title], responses=ERROR_RESPONSES)
    _add_writes(router, peer)
    _add_reads(router, peer)
    _add_hub(router, peer)
    return router


def _add_writes(router: APIRouter, peer: PeerApi) -> None:
    name = peer.resource.name
    mandatory = ", ".join(f"`{attribute}`" for attribute in peer.resource.mandatory)

    @router.post(
        f"/{name}",
        status_code=201,
        summary=f"Create a {name}",
        description=(
            f"Needs {mandatory}; references need the keys the spec requires. The server sets "
            "`id`, `href` and `lastUpdate` (and refuses them) and notifies the hub."
        ),
    )
    async def create(body: JsonBody, request: Request, sandbox: SandboxDep) -> JsonResponse:
        document = await sandbox.create(peer, body, str(request.base_url))
        return json_resource(document, status_code=201, headers={"Location": document["href"]})

    @router.patch(
        f"/{name}/{{resource_id}}",
        summary=f"Change a {name}",
        description=(
            "A JSON merge patch (`application/json` or `application/merge-patch+json`). A "
            "change of the lifecycle attribute raises a state change event, of anything else "
            "an attribute value change event; `lastUpdate` moves when something changed."
        ),
    )
    async def patch(resource_id: str, body: MergePatch, sandbox: SandboxDep) -> JsonResponse:
        return json_resource(await sandbox.patch(peer, resource_id, body))

    @router.delete(
        f"/{name}/{{resource_id}}",
        status_code=204,
        summary=f"Delete a {name}",
        description="Removes it and notifies the hub with the delete event; 404 if unknown.",
    )
    async def delete(resource_id: str, sandbox: SandboxDep) -> Response:
        await sandbox.delete(peer, resource_id)
        return Response(status_code=204)


def _add_reads(router: APIRouter, peer: PeerApi) -> None:
    name = peer.resource.name

    @router.get(
        f"/{name}",
        summary=f"List {name} resources",
        description=(
            "TMF630 `offset`/`limit` (with `X-Total-Count` and `X-Result-Count`), `fields`, "
            "and filters on any attribute by exact value, dotted paths such as "
            "`relatedParty.id`, comma-separated values, and `.gt/.gte/.lt/.lte` (e.g. "
            "`lastUpdate.gt=2026-11-27T10:00:00Z`)."
        ),
    )
    async def list_all(params: ListParamsDep, sandbox: SandboxDep) -> JsonResponse:
        listed = await sandbox.list(peer, params.params)
        return json_page(listed.items, total=listed.total)

    @router.get(
        f"/{name}/{{resource_id}}",
        summary=f"Read a {name}",
        description="`fields` keeps the named attributes (and `id`, `href`, `@type`); 404 if none.",
    )
    async def read(
        resource_id: str,
        sandbox: SandboxDep,
        fields: str | None = Query(default=None, description="Attributes to return"),
    ) -> JsonResponse:
        return json_resource(await sandbox.read(peer, resource_id, fields))


def _add_hub(router: APIRouter, peer: PeerApi) -> None:
    @router.post(
        "/hub",
        status_code=201,
        summary="Register a listener",
        description="Events of this API matching `query` are POSTed once to the callback.",
    )
    async def register(body: HubIn, sandbox: SandboxDep) -> JsonResponse:
        registration = HubRegistration(body.callback, body.query, body.deliveryStyle, body.headers)
        hub = await sandbox.register(peer, registration)
        location = {"Location": f"{peer.root}/hub/{hub['id']}"}
        return json_resource(hub, status_code=201, headers=location)

    @router.delete(
        "/hub/{hub_id}",
        status_code=204,
        summary="Unregister a listener",
        description="It receives no further events; 404 if unknown.",
    )
    async def unregister(hub_id: str, sandbox: SandboxDep) -> Response:
        await sandbox.unregister(peer, hub_id)
        return Response(status_code=204)


class FaultIn(BaseModel):
    """Fail (or delay) the next calls to one peer API."""

    model_config = ConfigDict(extra="forbid")

    api: str = Field(description=f"One of {', '.join(PEERS_BY_NAME)}")
    status: int | None = Field(default=None, ge=400, le=599, description="Answer this status")
    times: int = Field(default=1, ge=1, le=100_000, description="How many calls")
    delaySeconds: float = Field(default=0, ge=0, le=120, description="Wait this long first")

    @field_validator("api")
    @classmethod
    def _known(cls, api: str) -> str:
        if api not in PEERS_BY_NAME:
            raise ValueError(f"must be one of {', '.join(PEERS_BY_NAME)}")
        return api

    @model_validator(mode="after")
    def _does_something(self) -> FaultIn:
        if self.status is None and not self.delaySeconds:
            raise ValueError("give a status, a delaySeconds, or both")
        return self


control = APIRouter(prefix="/sandbox/v1", tags=["sandbox control"], responses=ERROR_RESPONSES)
ApiFilter = Annotated[str | None, Query(description="Only this API (e.g. productInventory)")]


@control.post(
    "/fault",
    status_code=201,
    summary="Fail the next calls to an API",
    description=(
        "The next `times` calls to `api` wait `delaySeconds`, then answer `status` with a TMF "
        "error body; without `status` they are served normally after the delay. Replaces the "
        "API's armed fault."
    ),
)
async def arm_fault(body: FaultIn, sandbox: SandboxDep) -> JsonResponse:
    fault = Fault(body.api, body.status, body.times, body.delaySeconds)
    sandbox.faults.arm(fault)
    return json_resource(fault.resource(), status_code=201)


@control.get("/fault", summary="List the armed faults", description="With the calls left.")
async def list_faults(sandbox: SandboxDep) -> JsonResponse:
    faults = [fault.resource() for fault in sandbox.faults.armed()]
    return json_page(faults, total=len(faults))


@control.delete(
    "/fault", status_code=204, summary="Clear faults", description="Of one API, or all."
)
async def clear_faults(sandbox: SandboxDep, api: ApiFilter = None) -> Response:
    sandbox.faults.clear(api)
    return Response(status_code=204)


@control.get(
    "/request",
    summary="List the calls the peers received",
    description="Method, path, query, body (JSON when it was) and the status answered; "
    "the last 1000, newest last.",
)
async def list_requests(sandbox: SandboxDep, api: ApiFilter = None) -> JsonResponse:
    items = sandbox.requests.listing(api)
    return json_page(items, total=len(items))


@control.delete(
    "/request",
    status_code=204,
    summary="Forget the calls received",
    description="Empties the request log, e.g. at the start of a test.",
)
async def clear_requests(sandbox: SandboxDep) -> Response:
    sandbox.requests.entries.clear()
    return Response(status_code=204)


@control.get(
    "/mail",
    summary="List the messages the demo's mail sink received",
    description="Sender, recipients, subject, date and attachment names, oldest first; "
    "empty when this sandbox runs without a sink.",
)
async def list_mail(request: Request) -> JsonResponse:
    folder: Path | None = request.app.state.mail_dir
    items = mailbox.messages(folder) if folder else []
    return json_page(items, total=len(items))


@control.get(
    "/mail/{message_id}",
    summary="One message as received",
    description="The raw message (`message/rfc822`), attachments included.",
    response_class=Response,
)
async def one_mail(message_id: str, request: Request) -> Response:
    folder: Path | None = request.app.state.mail_dir
    raw = mailbox.raw_message(folder, message_id) if folder else None
    if raw is None:
        raise NotFound(f"the mail sink has no message {message_id}")
    return Response(raw, media_type="message/rfc822")


@control.get(
    "/notification",
    summary="List the hub notifications sent",
    description="Each event to each listener: its URL, the status answered or the error.",
)
async def list_notifications(sandbox: SandboxDep) -> JsonResponse:
    items = [vars(outcome) for outcome in sandbox.notifier.outcomes]
    return json_page(items, total=len(items))
