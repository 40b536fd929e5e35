"""Commands of the portal feature itself: issuing a link, and recording what the customer
did through one that no other feature's command records (viewing the case, fetching the
certificate, asking to move a training session), and booking training within what a link's
holder may book. Accepting and rejecting go through the acceptance handler, and a booking
through the training feature's, as the API's own routes do.

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
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import iso
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.interactions import queries as interactions
from order_completion.portal import rules
from order_completion.portal.rules import LinkClaims, MoveRequest, PortalAction
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
from order_completion.training.handlers import BookSession, book_on


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


async def record_portal_use(uow: UnitOfWork, cmd: RecordPortalUse) -> bool:
    """Log the look unless the same look at the case was logged within the hour; whether
    it was. A reload costs one read and writes nothing; the look is checked again once the
    case is held, so writers that queued on it log it once."""
    async with uow:
        if not await _worth_logging(uow, cmd):
            return False
        case = await uow.load(cmd.case_id, cmd.actor)
        if not await _worth_logging(uow, cmd):
            return False
        case.record(HistoryAction.CUSTOMER_PORTAL_USED, use=cmd.action.value)
        case.log_interaction(cmd.action.value, Direction.INBOUND)
        return True


async def _worth_logging(uow: UnitOfWork, cmd: RecordPortalUse) -> bool:
    last = await interactions.last_logged(uow.session, cmd.case_id, cmd.action.value)
    return rules.worth_logging(last, uow.now)


def _check_times(
    start: datetime, end: datetime, now: datetime, *, start_field: str, end_field: str
) -> None:
    problem = rules.time_problem(start, end, now, start_field=start_field, end_field=end_field)
    if problem is not None:
        raise InvalidInput(f"{problem.field} {problem.message}", field=problem.field)


async def book_session(uow: UnitOfWork, cmd: BookSession) -> Appointment:
    """Book a session the customer asked for: at a plausible time (after now, within the
    year, at most a working day long), and only while the case holds fewer open sessions
    than the limit (409, asking them to move one instead)."""
    async with uow:
        _check_times(
            cmd.start, cmd.end, uow.now, start_field="scheduledStart", end_field="scheduledEnd"
        )
        case = await uow.load(cmd.case_id, cmd.actor)
        sessions = await appointments.open_of_case(uow.session, case.id, Category.TRAINING)
        refusal = rules.booking_refusal(len(sessions))
        if refusal is not None:
            raise Conflict(refusal)
        return book_on(uow, case, cmd)


@dataclass(frozen=True)
class RequestMove:
    """The customer asks for a training session at another time: an open request in the
    interaction log for the trainer, who moves the session (TMF646) or answers. One such
    request per session is with the trainer at a time."""

    case_id: str
    session_id: str
    preferred_start: datetime
    preferred_end: datetime
    actor: Actor
    note: str | None = None


async def request_move(uow: UnitOfWork, cmd: RequestMove) -> None:
    async with uow:
        _check_times(
            cmd.preferred_start,
            cmd.preferred_end,
            uow.now,
            start_field="preferredStart",
            end_field="preferredEnd",
        )
        case = await uow.load(cmd.case_id, cmd.actor)
        step = case.waiting_step(StepKind.TRAINING)
        row = await appointments.get(uow.session, cmd.session_id, case_id=case.id)
        if row.category != Category.TRAINING.value:
            raise NotFound(f"case {case.id} has no training session {cmd.session_id}")
        if Status(row.status) not in OPEN:
            raise Conflict(f"the training session is already {row.status}")
        asked = await interactions.open_logged(
            uow.session, case.id, PortalAction.MOVE_REQUESTED.value
        )
        requests = [MoveRequest(r.description, r.status, r.logged_at) for r in asked]
        if rules.move_pending(requests, row.id, row.last_update):
            raise Conflict(
                "a request to move this session is already with the trainer, who will answer "
                "it; nothing more was sent"
            )
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
            description=rules.move_wanted(
                row.id, str(iso(cmd.preferred_start)), str(iso(cmd.preferred_end)), cmd.note
            ),
            status="open",
        )


def accepting(link: OpenedLink, body: PortalAcceptance) -> RecordDecision:
    """The acceptance the customer typed their name and gave their consent to."""
    decided_by = {"name": body.full_name, "role": rules.CUSTOMER_ROLE}
    decision = {"decision": "accepted", "decidedBy": decided_by}
    return RecordDecision(
        link.case_id, AcceptanceDecisionRequest.model_validate(decision), link.actor
    )


def rejecting(link: OpenedLink, body: PortalRejection) -> RecordDecision:
    """The rejection, each punch list line one thing to put right."""
    decision = {
        "decision": "rejected",
        "decidedBy": {"name": body.full_name, "role": rules.CUSTOMER_ROLE},
        "reason": body.reason,
        "punchList": [{"description": item} for item in body.punch_list],
    }
    return RecordDecision(
        link.case_id, AcceptanceDecisionRequest.model_validate(decision), link.actor
    )


def booking(link: OpenedLink, body: PortalBooking) -> BookSession:
    """A session the customer books: no trainer (the provider assigns one), and a note
    telling the trainer it was booked through the link."""
    note = {"text": rules.BOOKED_THROUGH_LINK, "author": link.actor.name}
    return BookSession(
        link.case_id,
        start=body.scheduled_start,
        end=body.scheduled_end,
        actor=link.actor,
        topics=tuple(body.topic),
        attendees=tuple(attendee.model_dump(exclude_none=True) for attendee in body.attendee),
        details={"note": [note]},
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
