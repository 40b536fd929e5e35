"""FastAPI dependencies shared by every router: the caller, the services a router declares
it needs, and merge-patch bodies.

Routers never see the composition root: each declares the narrow protocol of services it
uses, and ``services(Protocol)`` hands it the application's services typed as that.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from pydantic import BaseModel

from order_completion.audit import Actor
from order_completion.auth.gate import PermissionCheck
from order_completion.auth.rules import Permission
from order_completion.auth.service import Principal
from order_completion.errors import InvalidInput, Unauthenticated, UnsupportedMedia

MERGE_PATCH_TYPES = ("application/json", "application/merge-patch+json")
S = TypeVar("S")


def services(protocol: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency giving the app's services as ``protocol``, so a router names only what
    it uses (``app.routers_can_use`` has mypy check that the services satisfy each one).

    Dependencies here are ``async def`` although they never wait: FastAPI runs a plain
    ``def`` dependency in a worker thread, a hop that cost more than the rest of it."""

    async def dependency(request: Request) -> S:
        return cast(S, request.app.state.services)

    return dependency


def allow(*permissions: Permission) -> list[Any]:
    """Route ``dependencies=``: the caller must hold one of ``permissions``, checked before
    the body is read by the gate the app installs (``auth.gate``). What an action needs
    beyond that (a step's kind, a forced case) is for its handler to check."""
    return [Depends(PermissionCheck(permissions))]


async def current_caller(request: Request) -> Principal:
    """The caller the gate admitted for the route's permission check: who they are and what
    they may do, for the commands to carry. Never anonymous: a route that asks for its
    caller declares a permission, and without one there is no caller to give."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthenticated("send a bearer token: Authorization: Bearer <token>")
    return principal


CallerDep = Annotated[Principal, Depends(current_caller)]


async def current_actor(caller: CallerDep) -> Actor:
    """The caller as the history names it: the same caller as ``CallerDep``."""
    return caller.actor


ActorDep = Annotated[Actor, Depends(current_actor)]


async def merge_patch_body(request: Request) -> dict[str, Any]:
    """A PATCH body as a JSON merge patch; other content types are refused with 415."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in MERGE_PATCH_TYPES:
        raise UnsupportedMedia(
            f"PATCH takes {' or '.join(MERGE_PATCH_TYPES)}, not {content_type or 'no type'}"
        )
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("a merge patch must be a JSON object", field="body")
    return body


MergePatch = Annotated[dict[str, object], Depends(merge_patch_body)]


def merge_patch_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI request body for a merge-patch PATCH, under both content types."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": schema} for media in MERGE_PATCH_TYPES},
        }
    }
