"""FastAPI dependencies shared by every router: the caller, the services a router declares
it needs, and merge-patch bodies.

Routers never see the composition root: each declares the narrow protocol of services it
uses, and ``services(Protocol)`` hands it the application's services typed as that.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol, TypeVar, cast

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.auth.service import Authenticator, Principal
from order_completion.errors import InvalidInput, Unauthenticated, UnsupportedMedia

MERGE_PATCH_TYPES = ("application/json", "application/merge-patch+json")
S = TypeVar("S")


class HasAuth(Protocol):
    @property
    def auth(self) -> Authenticator: ...


def services(protocol: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency giving the app's services as ``protocol``, so a router names only what
    it uses (``app.routers_can_use`` has mypy check that the services satisfy each one).

    Dependencies here are ``async def`` although they never wait: FastAPI runs a plain
    ``def`` dependency in a worker thread, a hop that cost more than the rest of it."""

    async def dependency(request: Request) -> S:
        return cast(S, request.app.state.services)

    return dependency


bearer = HTTPBearer(auto_error=False, description="An API key (oct_...) or a JWT")


def require(*permissions: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks one of ``permissions``."""

    async def dependency(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> Principal:
        app_services = cast(HasAuth, request.app.state.services)
        principal = await app_services.auth.authenticate(request.headers.get("authorization"))
        principal.require(*permissions)
        request.state.principal = principal
        return principal

    return dependency


def allow(*permissions: Permission) -> list[Any]:
    """Route ``dependencies=`` for routes that only need the check."""
    return [Depends(require(*permissions))]


async def current_actor(request: Request) -> Actor:
    """The caller checked by the route's permission dependency, as commands carry it."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return Actor(principal.name, principal.key or None) if principal is not None else Actor()


ActorDep = Annotated[Actor, Depends(current_actor)]


async def current_principal(request: Request) -> Principal:
    """The caller checked by the route's permission dependency, for a route whose answer
    depends on what else the caller may do (force, choose a policy)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthenticated("no credentials")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


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
