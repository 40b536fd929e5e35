"""HTTP route that issues a case's customer link (bearer token, manageCase): staff hand the
link to the customer, who then acts through the portal's own routes with it alone."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Body, Depends, Response

from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import iso
from order_completion.dependencies import ActorDep, allow, services
from order_completion.portal import handlers
from order_completion.portal.schemas import CustomerLinkOut, CustomerLinkRequest
from order_completion.portal.signing import LinkSigner, link_url
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES


class LinkServices(Protocol):
    """What issuing a link uses of the services."""

    @property
    def portal_signer(self) -> LinkSigner: ...

    @property
    def portal_url(self) -> str: ...

    @property
    def portal_link_days(self) -> int: ...

    def uow(self) -> UnitOfWork: ...


LinkServicesDep = Annotated[LinkServices, Depends(services(LinkServices))]
# No body (or an empty one): the default validity, and earlier links kept.
NO_CHOICES = CustomerLinkRequest()

router = APIRouter(prefix=API_BASE, tags=["customerLink"])


@router.post(
    "/completionCase/{case_id}/customerLink",
    dependencies=allow(Permission.MANAGE_CASE),
    summary="Issue a signed link to the customer portal",
    description=(
        "A link that opens this case, and only it, on the customer portal until `expires`. "
        "`validForDays` (1-90) defaults to ORDER_COMPLETION_PORTAL_LINK_DAYS; with "
        "`revokeOthers`, the links issued before stop working. Recorded in the history."
    ),
    status_code=201,
    response_model=CustomerLinkOut,
    responses={201: {"model": CustomerLinkOut}, **ERROR_RESPONSES},
)
async def issue_link(
    case_id: str,
    app: LinkServicesDep,
    actor: ActorDep,
    wanted: Annotated[CustomerLinkRequest, Body()] = NO_CHOICES,
) -> Response:
    command = handlers.issuing(case_id, actor, wanted, app.portal_link_days)
    claims = await handlers.issue_link(app.uow(), command)
    url = link_url(app.portal_url, app.portal_signer, claims)
    return json_resource({"url": url, "expires": iso(claims.expires)}, status_code=201)
