"""Who may call a route is settled before anything reads its body.

A route declares what it needs with a ``PermissionCheck`` dependency. FastAPI reads and
parses the body before it runs a route's dependencies, so a caller without a token could
make the service parse whatever it sent (ten thousand nested brackets) and answer with
the parser's failure instead of 401. ``AuthenticateFirst`` finds the route a request is
for, authenticates the caller and checks every permission the route declares before the
request goes further; the dependency then finds the caller it left on the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, cast

from fastapi import Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from order_completion.auth.rules import Permission
from order_completion.auth.service import Authenticator, Principal
from order_completion.errors import ServiceError
from order_completion.tmf.errors import send_error, service_error_body, service_error_headers

bearer = HTTPBearer(auto_error=False, description="An API key (oct_...) or a JWT")


class PermissionCheck:
    """A route dependency: the caller must hold one of ``permissions``. It also documents
    the bearer scheme in the OpenAPI document."""

    def __init__(self, permissions: tuple[Permission, ...]) -> None:
        self.permissions = permissions

    async def __call__(
        self,
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:  # an app without the gate (none is built so; kept safe)
            authenticator = cast(Authenticator, request.app.state.services.auth)
            principal = await authenticator.authenticate(request.headers.get("authorization"))
            request.state.principal = principal
        principal.require(*self.permissions)
        return principal


def _checks_of(dependant: Dependant) -> list[PermissionCheck]:
    found: list[PermissionCheck] = []
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, PermissionCheck):
            found.append(dependency.call)
        found.extend(_checks_of(dependency))
    return found


class AuthenticateFirst:
    """ASGI middleware: for a route that declares permissions, 401 or 403 before the body
    is read; other requests (health, the OpenAPI document, unknown paths) pass as they are."""

    def __init__(
        self, app: ASGIApp, *, routes: Sequence[BaseRoute], authenticator: Authenticator
    ) -> None:
        self.app = app
        self.routes = routes
        self.authenticator = authenticator
        self._checks: dict[int, list[PermissionCheck]] = {}

    def checks_for(self, scope: Scope) -> list[PermissionCheck]:
        """The permission checks of the route the router will pick for ``scope`` (the
        routes are given in the order the app matches them)."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return self._checks_of_route(route)
        return []

    def _checks_of_route(self, route: BaseRoute) -> list[PermissionCheck]:
        key = id(route)
        if key not in self._checks:
            self._checks[key] = _checks_of(route.dependant) if isinstance(route, APIRoute) else []
        return self._checks[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            checks = self.checks_for(scope)
            if checks:
                try:
                    principal = await self._admit(scope, checks)
                except ServiceError as error:
                    await send_error(send, service_error_body(error), service_error_headers(error))
                    return
                state: dict[str, Any] = scope.setdefault("state", {})
                state["principal"] = principal
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
