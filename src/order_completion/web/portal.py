"""The customer portal's pages: the link a customer is sent opens their case as a page,
where they review the handover and accept it, reject it with what must be put right, book
training and ask to move a session, and fetch their certificate.

The customer is an anonymous visitor: the signed link is their only credential, and a staff
session gives nothing more here. Each link is opened before a form is read; every form
carries the session's form token; each action builds its command with the portal's own
builders and runs the same handler as the portal's JSON route, with the customer as the
actor, so it is logged on the customerPortal channel exactly as the JSON route logs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from order_completion.acceptance import handlers as acceptance
from order_completion.appointments.rules import OPEN
from order_completion.cases.rules import CaseState
from order_completion.errors import Conflict, InvalidInput, ServiceError
from order_completion.portal import handlers
from order_completion.portal.rules import PortalAction
from order_completion.portal.schemas import (
    PortalAcceptance,
    PortalBooking,
    PortalMoveRequest,
    PortalRejection,
)
from order_completion.portal.service import (
    LinkCaseUnknown,
    LinkRefused,
    OpenedLink,
    already_decided,
    open_link,
)
from order_completion.portal.signing import PORTAL_PATH
from order_completion.portal.view import customer_view
from order_completion.surveys import handlers as surveys
from order_completion.surveys.schemas import SurveyResponse
from order_completion.web import rules
from order_completion.web.shell import (
    FormRefused,
    Visit,
    VisitDep,
    invalid_input,
    page_router,
    pages_of,
    posted_form,
    text,
    validated_form,
)

router = page_router()
Run = Callable[[FormData, OpenedLink], Awaitable[object]]
# The portal's pages are for the customer holding the link alone: no search engine keeps them.
NOT_INDEXED = {"X-Robots-Tag": "noindex, nofollow"}
NOTICES = {
    "accepted": "Thank you: you accepted the delivery. Your acceptance certificate is ready below.",
    "rejected": "Your provider has your rejection and the list of what must be put right. "
    "They will put it right, test again and ask you again.",
    "booked": "The training session is booked. The invitation is on its way.",
    "move": "Your request to move the session was sent to the trainer, who will answer you.",
    "answered": "Thank you for your answer: it helps your provider do better.",
}
# What the page says when nothing waits on the customer, by the case's state.
STATE_NOTES = {
    CaseState.HOLD: "Your provider has paused this order for now; they will tell you when it "
    "resumes.",
    CaseState.CANCELLED: "This order was cancelled.",
    CaseState.COMPLETED: "This order is complete.",
}
NOTHING_WAITS = (
    "Nothing waits for you now: your provider is still working on this order and will write "
    "to you when it is ready for you."
)
# The acceptance form's consent box, as the customer reads it (the JSON route names ``consent``).
CONSENT_NEEDED = 'tick "I accept the delivery as described on this page" to accept'
FORM_REFUSED = (
    "This form did not come from this page, or the page was open too long. Nothing was done. "
    "Open your link again and try once more."
)


def _here(token: str) -> str:
    return f"{PORTAL_PATH}/{token}"


async def _opened(visit: Visit, token: str) -> OpenedLink:
    services = visit.services
    return await open_link(services.db, services.portal_signer, token, services.clock.now())


def _render(visit: Visit, template: str, context: Mapping[str, Any], status: int) -> Response:
    response = pages_of(visit.request).render(visit, template, context, status=status)
    response.headers.update(NOT_INDEXED)
    return response


def _refused(visit: Visit, refused: LinkRefused | LinkCaseUnknown) -> Response:
    """The link opens nothing: why, and what to do, with nothing of any case."""
    context = {"refusal": refused.refusal.value, "message": refused.message}
    return _render(visit, "portal_refused.html", context, refused.status)


async def _page(
    visit: Visit,
    token: str,
    link: OpenedLink,
    *,
    error: ServiceError | None = None,
    typed: Mapping[str, str] | None = None,
    ticked: Sequence[str] = (),
) -> Response:
    view = await customer_view(visit.services.db, link, _here(token))
    open_states = {status.value for status in OPEN}
    context = {
        "view": view,
        "here": _here(token),
        "waiting": set(view["waitingFor"]),
        "movable": [s for s in view["trainingSession"] if s["status"] in open_states],
        "error": error,
        "typed": typed or {},
        "booked_topics": ticked,
        "state_note": STATE_NOTES.get(CaseState(view["state"]), NOTHING_WAITS),
        "notice": None if error else NOTICES.get(visit.request.query_params.get("done", "")),
    }
    return _render(visit, "portal.html", context, error.status if error else 200)


@router.get(PORTAL_PATH + "/{token}")
async def portal_page(token: str, visit: VisitDep) -> Response:
    """The case as its customer sees it; each view is logged as the JSON view's is."""
    try:
        link = await _opened(visit, token)
    except (LinkRefused, LinkCaseUnknown) as refused:
        return _refused(visit, refused)
    command = handlers.RecordPortalUse(link.case_id, PortalAction.VIEWED, link.actor)
    await handlers.record_portal_use(visit.services.uow(), command)
    return await _page(visit, token, link)


async def _act(
    visit: Visit, token: str, done: str, run: Run, *, decision: str | None = None
) -> Response:
    """Open the link (before the form is read), check the form's token, run the command;
    a refused command shows the page again with the error and its status, nothing done.
    A ``decision`` refused as no longer awaited, when the customer's latest decision is that
    one (the first of a double click went through), shows the page with its notice."""
    try:
        link = await _opened(visit, token)
        form = await posted_form(visit)
    except (LinkRefused, LinkCaseUnknown) as refused:
        return _refused(visit, refused)
    except FormRefused:
        context = {"message": FORM_REFUSED, "back": _here(token)}
        return _render(visit, "portal_refused.html", context, 403)
    try:
        try:
            await run(form, link)
        except ValidationError as wrong:  # a command's own body: still a page, never JSON
            raise invalid_input(wrong) from None
    except ServiceError as refused:
        if (
            decision is not None
            and isinstance(refused, Conflict)
            and await already_decided(visit.services.db, link.case_id, decision)
        ):
            return pages_of(visit.request).redirect(visit, f"{_here(token)}?done={done}#notice")
        # What the customer typed comes back in the form they sent, so they only correct it.
        typed = {str(key): value for key, value in form.items() if isinstance(value, str)}
        ticked = [str(topic) for topic in form.getlist("topic")]
        return await _page(visit, token, link, error=refused, typed=typed, ticked=ticked)
    finally:
        await form.close()
    return pages_of(visit.request).redirect(visit, f"{_here(token)}?done={done}#notice")


def _moment(form: FormData, name: str) -> str:
    """A ``datetime-local`` field, taken as UTC (the page says so); as typed when it is
    not a moment, so the refusal names the field."""
    typed = text(form, name)
    moment = rules.local_moment(typed)
    return moment.isoformat() if moment else typed


@router.post(PORTAL_PATH + "/{token}/accept")
async def accept(token: str, visit: VisitDep) -> Response:
    async def run(form: FormData, link: OpenedLink) -> object:
        data = {"fullName": text(form, "fullName"), "consent": form.get("consent") == "yes"}
        try:
            body = validated_form(PortalAcceptance, data)
        except InvalidInput as wrong:
            if wrong.field != "consent":
                raise
            raise InvalidInput(CONSENT_NEEDED, field="consent") from None
        command = handlers.accepting(link, body)
        return await acceptance.record_decision(visit.services.uow(), command)

    return await _act(visit, token, "accepted", run, decision="accepted")


@router.post(PORTAL_PATH + "/{token}/reject")
async def reject(token: str, visit: VisitDep) -> Response:
    async def run(form: FormData, link: OpenedLink) -> object:
        items = [line.strip() for line in text(form, "punchList").splitlines() if line.strip()]
        if not items:
            raise InvalidInput("write what must be put right, one thing a line", field="punchList")
        data = {
            "fullName": text(form, "fullName"),
            "punchList": items,
            "reason": text(form, "reason") or None,
        }
        command = handlers.rejecting(link, validated_form(PortalRejection, data))
        return await acceptance.record_decision(visit.services.uow(), command)

    return await _act(visit, token, "rejected", run, decision="rejected")


@router.post(PORTAL_PATH + "/{token}/training")
async def book(token: str, visit: VisitDep) -> Response:
    async def run(form: FormData, link: OpenedLink) -> object:
        data = {
            "topic": [str(topic) for topic in form.getlist("topic")],
            "scheduledStart": _moment(form, "scheduledStart"),
            "scheduledEnd": _moment(form, "scheduledEnd"),
            "attendee": [{"name": name} for name in rules.names_in(text(form, "attendee"))],
        }
        command = handlers.booking(link, validated_form(PortalBooking, data))
        return await handlers.book_session(visit.services.uow(), command)

    return await _act(visit, token, "booked", run)


@router.post(PORTAL_PATH + "/{token}/training/{session_id}/move")
async def ask_to_move(token: str, session_id: str, visit: VisitDep) -> Response:
    async def run(form: FormData, link: OpenedLink) -> object:
        data = {
            "preferredStart": _moment(form, "preferredStart"),
            "preferredEnd": _moment(form, "preferredEnd"),
            "note": text(form, "note") or None,
        }
        command = handlers.moving(link, session_id, validated_form(PortalMoveRequest, data))
        await handlers.request_move(visit.services.uow(), command)
        return None

    return await _act(visit, token, "move", run)


@router.post(PORTAL_PATH + "/{token}/survey")
async def answer_survey(token: str, visit: VisitDep) -> Response:
    async def run(form: FormData, link: OpenedLink) -> object:
        data = {"score": text(form, "score") or None, "comment": text(form, "comment") or None}
        command = handlers.answering(link, validated_form(SurveyResponse, data))
        await surveys.answer_survey(visit.services.uow(), command)
        return None

    return await _act(visit, token, "answered", run)
