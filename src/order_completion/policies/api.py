"""HTTP routes that show the policies in force, as they were loaded (the bundled ones and
the policy folder's), so a user can see which steps and windows a new case would get."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Response
from pydantic import Field

from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE
from order_completion.dependencies import allow, services
from order_completion.errors import InvalidInput, NotFound
from order_completion.policies.schema import Policy
from order_completion.policies.service import PolicyBook
from order_completion.tmf.responses import json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["policy"])


class PolicyServices(Protocol):
    @property
    def policies(self) -> PolicyBook: ...

    @property
    def base_url(self) -> str: ...


PolicyServicesDep = Annotated[PolicyServices, Depends(services(PolicyServices))]


class PolicyOut(Policy):
    """A policy as loaded (the policy file format, ``docs/policies.md``), with its link."""

    href: str
    type_: Literal["CompletionPolicy"] = Field(alias="@type")


def policy_resource(policy: Policy, base_url: str) -> dict[str, Any]:
    """A policy as loaded, by the names of its file, with where to read it again."""
    loaded = policy.model_dump(by_alias=True, mode="json", exclude_none=True)
    return {
        "id": policy.id,
        "href": f"{base_url}{API_BASE}/policy/{policy.id}",
        "@type": "CompletionPolicy",
        **loaded,
    }


@router.get(
    "/policy",
    dependencies=allow(Permission.READ),
    summary="List the completion policies in force",
    description=(
        "Every policy loaded at start (the bundled ones, replaced or extended by the "
        "policy folder), by id, each as loaded: `version`, `name`, `priority`, `appliesTo`, "
        "`jeopardy` and its `steps` with their windows and settings."
    ),
    response_model=list[PolicyOut],
    responses={
        200: {"model": list[PolicyOut], "description": "The policies, by id"},
        **ERROR_RESPONSES,
    },
)
async def list_policies(app: PolicyServicesDep) -> Response:
    items = [policy_resource(policy, app.base_url) for policy in app.policies.all()]
    return json_page(items, total=len(items))


@router.get(
    "/policy/{policy_id}",
    dependencies=allow(Permission.READ),
    summary="Read one completion policy",
    description="The policy as loaded; 404 for an id no loaded policy has.",
    response_model=PolicyOut,
    responses={200: {"model": PolicyOut, "description": "The policy"}, **ERROR_RESPONSES},
)
async def get_policy(policy_id: str, app: PolicyServicesDep) -> Response:
    try:
        policy = app.policies.get(policy_id)
    except InvalidInput:
        raise NotFound(f"no policy {policy_id}") from None
    return json_resource(policy_resource(policy, app.base_url))
