"""HTTP routes of the customer portal: the JSON actions a link's holder takes, authenticated
by the link alone (no bearer token). Issuing a link is ``portal.link_api``'s route.

The portal's actions give the same commands to the same handlers as the API's routes, with
the customer as the actor and ``customerPortal`` as the channel their interactions name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, Path, Response

from order_completion.acceptance import handlers as acceptance
from order_completion.acceptance.certificate import MEDIA_TYPE
from order_completion.attachments import service as attachments
from order_completion.attachments.responses import download
from order_completion.attachments.store import AttachmentStore
from order_completion.auth.gate import LinkCheck
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.certificates.service import certificate_of
from order_completion.clock import Clock, iso
from order_completion.database import Database
from order_completion.dependencies import services
from order_completion.errors import NotFound
from order_completion.portal import handlers
from order_completion.portal.rules import PortalAction
from order_completion.portal.schemas import (
    MoveRequestOut,
    PortalAcceptance,
    PortalBooking,
    PortalCaseOut,
    PortalDecisionOut,
    PortalMoveRequest,
    PortalRejection,
    PortalSessionOut,
    PortalSurveyOut,
)
from order_completion.portal.service import OpenedLink, open_link
from order_completion.portal.signing import PORTAL_PATH, LinkSigner, portal_address
from order_completion.portal.view import customer_view
from order_completion.surveys import handlers as surveys
from order_completion.surveys.schemas import SurveyResponse
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES, ErrorOut


class PortalServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def portal_signer(self) -> LinkSigner: ...

    @property
    def portal_url(self) -> str: ...

    @property
    def attachments(self) -> AttachmentStore: ...

    def uow(self) -> UnitOfWork: ...


PortalServicesDep = Annotated[PortalServices, Depends(services(PortalServices))]


class PortalLink(LinkCheck):
    """The link in the path, opened before anything reads the request's body."""

    async def admit(self, app: Any, path_params: Mapping[str, Any]) -> OpenedLink:
        portal = cast(PortalServices, app.state.services)
        token = str(path_params["token"])
        return await open_link(portal.db, portal.portal_signer, token, portal.clock.now())


LinkDep = Annotated[OpenedLink, Depends(PortalLink())]
# What the portal's routes answer besides success: no 401, as no bearer token is asked for.
PORTAL_ERRORS: dict[int | str, dict[str, Any]] = {
    **{status: ERROR_RESPONSES[status] for status in (400, 409)},
    403: {"model": ErrorOut, "description": "The link is forged, expired or revoked"},
    404: {"model": ErrorOut, "description": "The link's case (or the session named) is gone"},
}

# The token of a link as this service signs them (URL-safe base64 parts joined by dots).
TokenPath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_\-.]+$",
        max_length=1000,
        description="The signed token of the customer's link",
    ),
]


async def _signed_token(token: TokenPath) -> None:
    """Declares the link's token on every portal route (the gate has checked it)."""


portal_router = APIRouter(
    prefix=f"{PORTAL_PATH}/{{token}}",
    tags=["customerPortal"],
    dependencies=[Depends(_signed_token)],
)


def _portal_href(app: PortalServices, token: str) -> str:
    return portal_address(app.portal_url, token)


@portal_router.get(
    "/case",
    summary="The case as its customer sees it",
    description=(
        "Items delivered, tests passed and who witnessed them, the handover documents, "
        "training sessions, what the customer may do now (`waitingFor`) and the "
        "certificate once accepted. Authenticated by the link alone; logged as an "
        "interaction on the customerPortal channel at most once an hour per case. 403 for "
        "a forged, expired or revoked link, 404 when its case is gone."
    ),
    response_model=PortalCaseOut,
    responses={200: {"model": PortalCaseOut}, **PORTAL_ERRORS},
)
async def view_case(token: TokenPath, link: LinkDep, app: PortalServicesDep) -> Response:
    command = handlers.RecordPortalUse(link.case_id, PortalAction.VIEWED, link.actor)
    await handlers.record_portal_use(app.uow(), command)
    return json_resource(await customer_view(app.db, link, _portal_href(app, token)))


async def _decide(
    app: PortalServices, link: OpenedLink, token: str, command: acceptance.RecordDecision
) -> Response:
    recorded = await acceptance.record_decision(app.uow(), command)
    resource = {
        "id": recorded.id,
        "@type": "AcceptanceDecision",
        "decision": recorded.decision,
        "decidedBy": recorded.decided_by,
        "reason": recorded.reason,
        "punchList": recorded.punch_list,
        "decisionDate": iso(recorded.decided_at),
        "case": await customer_view(app.db, link, _portal_href(app, token)),
    }
    return json_resource(resource, status_code=201)


@portal_router.post(
    "/acceptance",
    summary="The customer accepts the delivery",
    description=(
        "`fullName` (one line, typed as a signature) and `consent: true`. Records an "
        "accepted decision as the API's acceptanceDecision does; 409 when the case does "
        "not wait for one."
    ),
    status_code=201,
    response_model=PortalDecisionOut,
    responses={201: {"model": PortalDecisionOut}, **PORTAL_ERRORS},
)
async def accept(
    token: TokenPath, body: PortalAcceptance, link: LinkDep, app: PortalServicesDep
) -> Response:
    return await _decide(app, link, token, handlers.accepting(link, body))


@portal_router.post(
    "/rejection",
    summary="The customer rejects the delivery with a punch list",
    description=(
        "`fullName` and a non-empty `punchList` of what must be put right (and an optional "
        "`reason`). Reopens the cycle as a rejection through the API does."
    ),
    status_code=201,
    response_model=PortalDecisionOut,
    responses={201: {"model": PortalDecisionOut}, **PORTAL_ERRORS},
)
async def reject(
    token: TokenPath, body: PortalRejection, link: LinkDep, app: PortalServicesDep
) -> Response:
    return await _decide(app, link, token, handlers.rejecting(link, body))


@portal_router.post(
    "/trainingSession",
    summary="The customer books a training session",
    description=(
        "On the training step's topics (none named: the mandatory ones), starting after now "
        "and within 365 days, ending at most 8 hours after the start (400 naming "
        "`scheduledStart` or `scheduledEnd`). 409 when no training step waits, or when the "
        "case already holds 3 open training sessions, whoever booked them (move one "
        "instead). The trainer is assigned by the provider."
    ),
    status_code=201,
    response_model=PortalSessionOut,
    responses={201: {"model": PortalSessionOut}, **PORTAL_ERRORS},
)
async def book(
    token: TokenPath, body: PortalBooking, link: LinkDep, app: PortalServicesDep
) -> Response:
    row = await handlers.book_session(app.uow(), handlers.booking(link, body))
    view = await customer_view(app.db, link, _portal_href(app, token))
    booked = next(session for session in view["trainingSession"] if session["id"] == row.id)
    return json_resource(booked, status_code=201)


@portal_router.post(
    "/trainingSession/{session_id}/moveRequest",
    summary="The customer asks to move a training session",
    description=(
        "Logs an open request with the preferred time for the trainer, who moves the "
        "session; the preferred times follow the booking's rules (400 naming "
        "`preferredStart` or `preferredEnd`). 409 when the session is no longer open, "
        "training no longer waits, or a request to move it is already with the trainer."
    ),
    status_code=202,
    response_model=MoveRequestOut,
    responses={202: {"model": MoveRequestOut}, **PORTAL_ERRORS},
)
async def ask_to_move(
    session_id: str, body: PortalMoveRequest, link: LinkDep, app: PortalServicesDep
) -> Response:
    await handlers.request_move(app.uow(), handlers.moving(link, session_id, body))
    return json_resource({"sessionId": session_id, "status": "requested"}, status_code=202)


@portal_router.post(
    "/surveyResponse",
    summary="The customer answers the satisfaction survey",
    description=(
        "`score` (0-10) and an optional `comment`, as the API's surveyResponse takes them; "
        "409 when no survey waits (it opens once training is done)."
    ),
    status_code=201,
    response_model=PortalSurveyOut,
    responses={201: {"model": PortalSurveyOut}, **PORTAL_ERRORS},
)
async def answer_survey(
    token: TokenPath, body: SurveyResponse, link: LinkDep, app: PortalServicesDep
) -> Response:
    await surveys.answer_survey(app.uow(), handlers.answering(link, body))
    resource = {
        "@type": "SurveyResponse",
        "score": body.score,
        "comment": body.comment,
        "case": await customer_view(app.db, link, _portal_href(app, token)),
    }
    return json_resource(resource, status_code=201)


@portal_router.get(
    "/certificate.pdf",
    summary="The acceptance certificate, for the customer",
    description="The same PDF as the API's certificate.pdf; 409 until the case is accepted.",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **PORTAL_ERRORS},
)
async def certificate(link: LinkDep, app: PortalServicesDep) -> Response:
    rendered = await certificate_of(app.db, link.case_id)
    command = handlers.RecordPortalUse(
        link.case_id, PortalAction.CERTIFICATE_DOWNLOADED, link.actor
    )
    await handlers.record_portal_use(app.uow(), command)
    return Response(
        rendered.pdf,
        media_type=MEDIA_TYPE,
        headers={
            "X-Content-SHA256": rendered.sha256,
            "Content-Disposition": f'attachment; filename="certificate-{link.case_id}.pdf"',
        },
    )


@portal_router.get(
    "/document/{attachment_id}",
    summary="A document of the handover, for the customer",
    description=(
        "The bytes of one of the case's files that the case view lists under `document`, "
        "as a download; 404 for any id that is not a file of this link's case."
    ),
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **PORTAL_ERRORS},
)
async def document(attachment_id: str, link: LinkDep, app: PortalServicesDep) -> Response:
    async with app.db.read() as session:
        row = await attachments.file_of_case(session, link.case_id, attachment_id)
    if row is None:  # naming nothing of whichever case holds a file of that id
        raise NotFound(f"this order has no document {attachment_id}")
    data = await app.attachments.get(row.sha256)
    command = handlers.RecordPortalUse(link.case_id, PortalAction.DOCUMENT_DOWNLOADED, link.actor)
    await handlers.record_portal_use(app.uow(), command)
    return download(row, data)
