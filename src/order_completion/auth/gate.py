"""Who may call a route is settled before anything reads its body.

A route declares what it needs with a ``PermissionCheck`` dependency. FastAPI reads and
parses the body before it runs a route's dependencies, so a caller without a token could
make the service parse whatever it sent (ten thousand nested brackets) and answer with
the parser's failure instead of 401. ``AuthenticateFirst`` finds the route a request is
for, authenticates the caller and checks every permission the route declares before the
request goes further; the dependency then finds the caller it left on the request.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, cast

from fastapi import Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from order_completion.auth.rules import Permission
from order_completion.auth.service import Authenticator, Principal
from order_completion.errors import ServiceError, Unauthenticated
from order_completion.tmf.errors import send_error, service_error_body, service_error_headers

bearer = HTTPBearer(auto_error=False, description="An API key (oct_...) or a JWT")


class PermissionCheck:
    """A route dependency declaring that the caller must hold one of ``permissions``: the
    gate reads it and checks before the body is read; it also documents the bearer scheme
    in the OpenAPI document. Run by FastAPI, it only makes sure the gate did its work."""

    def __init__(self, permissions: tuple[Permission, ...]) -> None:
        self.permissions = permissions

    async def __call__(
        self,
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> None:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:  # no gate admitted anyone: refuse rather than trust the route
            raise Unauthenticated("send a bearer token: Authorization: Bearer <token>")
        principal.require(*self.permissions)


class LinkCheck(ABC):
    """A route dependency for a caller who holds a signed link instead of a bearer token
    (the customer portal): the gate runs ``admit`` with the route's path parameters before
    the body is read, refuses with its error, and leaves what it admitted on the request
    for the route. Run by FastAPI without the gate, it admits the link itself."""

    @abstractmethod
    async def admit(self, app: Any, path_params: Mapping[str, Any]) -> object: ...

    async def __call__(self, request: Request) -> object:
        admitted = getattr(request.state, "link", None)
        if admitted is None:
            admitted = await self.admit(request.app, request.path_params)
        return admitted


def _routes_of(scope: Scope) -> Sequence[BaseRoute]:
    """The routes of the application serving ``scope``, as its router matches them."""
    app = scope.get("app")
    router = getattr(app, "router", None)
    return cast(Sequence[BaseRoute], getattr(router, "routes", ()))


def _checks_of(dependant: Dependant) -> list[PermissionCheck]:
    found: list[PermissionCheck] = []
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, PermissionCheck):
            found.append(dependency.call)
        found.extend(_checks_of(dependency))
    return found


def _link_check_of(dependant: Dependant) -> LinkCheck | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, LinkCheck):
            return dependency.call
        found = _link_check_of(dependency)
        if found is not None:
            return found
    return None


class AuthenticateFirst:
    """ASGI middleware: for a route that declares permissions, 401 or 403 before the body
    is read; other requests (health, the OpenAPI document, unknown paths) pass as they are.

    It looks for the route among the application's own routes when the request comes, so
    every router the app includes is guarded, whenever and however it was added. The route
    it finds goes into ``scope["route"]`` (the router puts its own match there when it gets
    the request), so a request refused before the router still names its route in the
    access log and the metrics."""

    def __init__(self, app: ASGIApp, *, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator
        self._checks: dict[int, list[PermissionCheck]] = {}
        self._links: dict[int, LinkCheck | None] = {}

    def route_for(self, scope: Scope) -> APIRoute | None:
        """The route the router will pick for ``scope``: the first that matches fully, in
        the order the application matches them."""
        for context in iter_route_contexts(_routes_of(scope)):
            match, _ = context.matches(scope)
            if match is Match.FULL:
                route = context.original_route
                return route if isinstance(route, APIRoute) else None
        return None

    def _checks_of_route(self, route: APIRoute) -> list[PermissionCheck]:
        key = id(route)
        if key not in self._checks:
            self._checks[key] = _checks_of(route.dependant)
        return self._checks[key]

    def _link_of_route(self, route: APIRoute) -> LinkCheck | None:
        key = id(route)
        if key not in self._links:
            self._links[key] = _link_check_of(route.dependant)
        return self._links[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.route_for(scope) if scope["type"] == "http" else None
        if route is not None:
            scope["route"] = route
            checks = self._checks_of_route(route)
            link = self._link_of_route(route)
            if checks or link:
                state: dict[str, Any] = scope.setdefault("state", {})
                try:
                    if checks:
                        state["principal"] = await self._admit(scope, checks)
                    if link:
                        _, matched = route.matches(scope)
                        state["link"] = await link.admit(scope["app"], matched["path_params"])
                except ServiceError as error:
                    await send_error(send, service_error_body(error), service_error_headers(error))
                    return
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope, checks: list[PermissionCheck]) -> Principal:
        authorization = next(
            (
                value.decode("latin-1")
                for name, value in scope["headers"]
                if name == b"authorization"
            ),
            None,
        )
        principal = await self.authenticator.authenticate(authorization)
        for check in checks:
            principal.require(*check.permissions)
        return principal
