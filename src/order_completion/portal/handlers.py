"""Commands of the portal feature itself: issuing a link, and recording what the customer
did through one that no other feature's command records (viewing the case, fetching the
certificate, asking to move a training session). Accepting, rejecting and booking go
through the acceptance and training handlers, as the API's own routes do.

What each of the customer's requests stands for is written once here (``accepting``,
``rejecting``, ``booking``, ``moving``): the JSON routes and the portal's pages both
build their commands with these, so a form and a JSON body decide the same thing. So is a
new link (``issuing``), which the API, the staff's case page and the demo all issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from order_completion.acceptance.handlers import RecordDecision
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.appointments import service as appointments
from order_completion.appointments.rules import OPEN, Category, Status
from order_completion.audit import Actor
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import iso
from order_completion.errors import Conflict, NotFound
from order_completion.portal import rules
from order_completion.portal.rules import LinkClaims, PortalAction
from order_completion.portal.schemas import (
    CustomerLinkRequest,
    PortalAcceptance,
    PortalBooking,
    PortalMoveRequest,
    PortalRejection,
)
from order_completion.portal.service import OpenedLink
from order_completion.portal.tables import CustomerLinks
from order_completion.surveys.handlers import AnswerSurvey
from order_completion.surveys.schemas import SurveyResponse
from order_completion.training.handlers import BookSession


@dataclass(frozen=True)
class IssueLink:
    case_id: str
    actor: Actor
    valid_for_days: int
    revoke_others: bool = False


def issuing(
    case_id: str, actor: Actor, wanted: CustomerLinkRequest, default_days: int
) -> IssueLink:
    """The link asked for: valid for the days asked, or the service's default when none
    were (ORDER_COMPLETION_PORTAL_LINK_DAYS)."""
    return IssueLink(
        case_id,
        actor,
        valid_for_days=wanted.valid_for_days or default_days,
        revoke_others=wanted.revoke_others,
    )


async def issue_link(uow: UnitOfWork, cmd: IssueLink) -> LinkClaims:
    """What a new link of the case claims; with ``revoke_others``, every link issued
    before it stops working in the same commit."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        links = await uow.session.get(CustomerLinks, case.id)
        current = links.generation if links is not None else rules.FIRST_GENERATION
        generation = rules.next_generation(current, revoke_others=cmd.revoke_others)
        claims = LinkClaims(case.id, generation, rules.expiry(uow.now, cmd.valid_for_days))
        if links is None:
            uow.add(
                CustomerLinks(
                    case_id=case.id,
                    generation=generation,
                    issued=1,
                    last_issued_at=uow.now,
                    revoked_at=uow.now if generation != current else None,
                )
            )
        else:
            if generation != current:
                links.revoked_at = uow.now
            links.generation = generation
            links.issued += 1
            links.last_issued_at = uow.now
        case.record(
            HistoryAction.CUSTOMER_LINK_ISSUED,
            expires=iso(claims.expires),
            generation=generation,
            revokedOthers=generation != current,
        )
        return claims


@dataclass(frozen=True)
class RecordPortalUse:
    """The customer looked at something through their link (the case, the certificate)."""

    case_id: str
    action: PortalAction
    actor: Actor


async def record_portal_use(uow: UnitOfWork, cmd: RecordPortalUse) -> None:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        case.record(HistoryAction.CUSTOMER_PORTAL_USED, use=cmd.action.value)
        case.log_interaction(cmd.action.value, Direction.INBOUND)


@dataclass(frozen=True)
class RequestMove:
    """The customer asks for a training session at another time: an open request in the
    interaction log for the trainer, who moves the session (TMF646) or answers."""

    case_id: str
    session_id: str
    preferred_start: datetime
    preferred_end: datetime
    actor: Actor
    note: str | None = None


async def request_move(uow: UnitOfWork, cmd: RequestMove) -> None:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        step = case.waiting_step(StepKind.TRAINING)
        row = await appointments.get(uow.session, cmd.session_id, case_id=case.id)
        if row.category != Category.TRAINING.value:
            raise NotFound(f"case {case.id} has no training session {cmd.session_id}")
        if Status(row.status) not in OPEN:
            raise Conflict(f"the training session is already {row.status}")
        wanted = f"Session {row.id}: move to {iso(cmd.preferred_start)} to {iso(cmd.preferred_end)}"
        case.record(
            HistoryAction.CUSTOMER_PORTAL_USED,
            step=step,
            use=PortalAction.MOVE_REQUESTED.value,
            sessionId=row.id,
            preferredStart=iso(cmd.preferred_start),
            preferredEnd=iso(cmd.preferred_end),
            note=cmd.note,
        )
        case.log_interaction(
            PortalAction.MOVE_REQUESTED.value,
            Direction.INBOUND,
            step=step,
            description=f"{wanted}. {cmd.note}" if cmd.note else wanted,
            status="open",
        )


# The role a decision made through the portal names: the customer decided it themselves.
CUSTOMER_ROLE = "customer"


def accepting(link: OpenedLink, body: PortalAcceptance) -> RecordDecision:
    """The acceptance the customer typed their name and gave their consent to."""
    decided_by = {"name": body.full_name, "role": CUSTOMER_ROLE}
    decision = {"decision": "accepted", "decidedBy": decided_by}
    return RecordDecision(
        link.case_id, AcceptanceDecisionRequest.model_validate(decision), link.actor
    )


def rejecting(link: OpenedLink, body: PortalRejection) -> RecordDecision:
    """The rejection, each punch list line one thing to put right."""
    decision = {
        "decision": "rejected",
        "decidedBy": {"name": body.full_name, "role": CUSTOMER_ROLE},
        "reason": body.reason,
        "punchList": [{"description": item} for item in body.punch_list],
    }
    return RecordDecision(
        link.case_id, AcceptanceDecisionRequest.model_validate(decision), link.actor
    )


def booking(link: OpenedLink, body: PortalBooking) -> BookSession:
    """A session the customer books: no trainer (the provider assigns one)."""
    return BookSession(
        link.case_id,
        start=body.scheduled_start,
        end=body.scheduled_end,
        actor=link.actor,
        topics=tuple(body.topic),
        attendees=tuple(attendee.model_dump(exclude_none=True) for attendee in body.attendee),
    )


def moving(link: OpenedLink, session_id: str, body: PortalMoveRequest) -> RequestMove:
    return RequestMove(
        link.case_id,
        session_id,
        body.preferred_start,
        body.preferred_end,
        link.actor,
        note=body.note,
    )


def answering(link: OpenedLink, body: SurveyResponse) -> AnswerSurvey:
    """The customer's own answer to the satisfaction survey."""
    return AnswerSurvey(link.case_id, body, link.actor)
