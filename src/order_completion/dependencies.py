"""FastAPI dependencies shared by every router."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from order_completion import audit
from order_completion.auth.rules import Permission
from order_completion.auth.service import Principal
from order_completion.bootstrap import Services
from order_completion.errors import InvalidInput, UnsupportedMedia

MERGE_PATCH_TYPES = ("application/json", "application/merge-patch+json")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
bearer = HTTPBearer(auto_error=False, description="An API key (oct_...) or a JWT")


def require(*permissions: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks one of ``permissions``."""

    async def dependency(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> Principal:
        services: Services = request.app.state.services
        principal = await services.auth.authenticate(request.headers.get("authorization"))
        principal.require(*permissions)
        audit.ACTOR.set(principal.name)
        return principal

    return dependency


def allow(*permissions: Permission) -> list[Any]:
    """Route ``dependencies=`` for routes that only need the check."""
    return [Depends(require(*permissions))]


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


MergePatch = Annotated[dict[str, Any], Depends(merge_patch_body)]


def merge_patch_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI request body for a merge-patch PATCH, under both content types."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": schema} for media in MERGE_PATCH_TYPES},
        }
    }


async def read_case(services: Services, case_id: str) -> dict[str, Any]:
    """The case as the API shows it, read after a change has committed."""
    from order_completion.cases.queries import get_case
    from order_completion.cases.representation import case_resource

    async with services.db.read() as session:
        case = await get_case(session, case_id)
        return case_resource(case, base_url=services.cases.base_url)
