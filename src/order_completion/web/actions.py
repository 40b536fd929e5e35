"""What staff do from a case page. Each form is the same command the API builds, handled by
the same handler: the page only reads the form, checks its token and the person's
permission (as the API's gate does), and shows the outcome.

A refused command leaves the case as it was and shows the case page again with the error
and its status (400 naming the field, 409 when the case is not waiting for it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from fastapi import Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from order_completion.attachments import handlers as attachments
from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.cases import handlers as cases
from order_completion.cases.rules import CaseState
from order_completion.commissioning import handlers as commissioning
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.communications import resend
from order_completion.customer_records import handlers as customer_records
from order_completion.errors import Forbidden, InvalidInput, ServiceError
from order_completion.portal import handlers as portal
from order_completion.portal.schemas import CustomerLinkRequest
from order_completion.portal.signing import link_url
from order_completion.training import handlers as training
from order_completion.training.schemas import TrainingSessionCreate
from order_completion.web import rules
from order_completion.web.shell import (
    StaffDep,
    Visit,
    invalid_input,
    page_router,
    pages_of,
    posted_form,
    text,
    validated_form,
)
from order_completion.web.workspace import IssuedLink, case_page

router = page_router()
Run = Callable[[FormData, Actor], Awaitable[object]]
Show = Callable[[object], Awaitable[Response]]


async def _act(
    visit: Visit,
    case_id: str,
    needs: tuple[Permission, ...],
    done: str,
    run: Run,
    show: Show | None = None,
) -> Response:
    """Run the form's command; then back to the case page (a redirect, so a reload posts
    nothing twice), or with ``show`` a page made from what the command returned."""
    form = await posted_form(visit)
    try:
        actor = visit.require(*needs).actor
        try:
            outcome = await run(form, actor)
        except ValidationError as wrong:  # a command's own body: still a page, never JSON
            raise invalid_input(wrong) from None
    except Forbidden:
        raise  # a refused person gets the refusal, not the case page
    except ServiceError as refused:
        named = f"{refused.field}: " if refused.field else ""
        return await case_page(visit, case_id, error=named + refused.message, status=refused.status)
    finally:
        await form.close()  # an uploaded file's spooled copy
    if show is not None:
        return await show(outcome)
    return pages_of(visit.request).redirect(visit, f"/cases/{case_id}?done={done}")


def test_result(form: FormData) -> CommissioningTestResult:
    """A test run from the form: its result, each planned test's result and measure, the
    witness, a note and the case's files chosen as evidence."""
    items = []
    for name in form.getlist("plan"):
        result = text(form, f"result:{name}")
        if not result:
            continue
        item: dict[str, Any] = {"name": name, "result": result}
        measure = text(form, f"measure:{name}")
        if measure:
            item["measure"] = {"value": measure, "unit": text(form, f"unit:{name}") or None}
        items.append(item)
    witness = text(form, "witness")
    return validated_form(
        CommissioningTestResult,
        {
            "result": text(form, "result"),
            "testItem": items,
            "witnessedBy": {"name": witness} if witness else None,
            "note": text(form, "note") or None,
            "attachment": [{"id": str(value)} for value in form.getlist("evidence")],
        },
    )


@router.post("/cases/{case_id}/commissioning-test")
async def record_test(case_id: str, visit: StaffDep) -> Response:
    async def run(form: FormData, actor: Actor) -> object:
        command = commissioning.RecordTestResult(case_id, test_result(form), actor)
        return await commissioning.record_result(visit.services.uow(), command)

    return await _act(visit, case_id, (Permission.RECORD_TEST,), "test", run)


@router.post("/cases/{case_id}/evidence")
async def add_evidence(case_id: str, visit: StaffDep) -> Response:
    async def run(form: FormData, actor: Actor) -> object:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("choose a file to attach", field="file")
        command = attachments.AddAttachment(
            case_id=case_id,
            name=upload.filename,
            media_type=upload.content_type or "",
            data=await upload.read(),
            description=text(form, "description") or None,
            actor=actor,
        )
        allowed = frozenset(visit.services.settings.attachment_types)
        store = visit.services.attachments
        return await attachments.add_attachment(visit.services.uow(), store, allowed, command)

    # The API's upload takes the same permissions: whoever records a test or a decision.
    needs = (Permission.RECORD_TEST, Permission.RECORD_DECISION, Permission.MANAGE_CASE)
    return await _act(visit, case_id, needs, "evidence", run)


@router.post("/cases/{case_id}/training-sessions")
async def book_session(case_id: str, visit: StaffDep) -> Response:
    async def run(form: FormData, actor: Actor) -> object:
        start, end = text(form, "start"), text(form, "end")
        trainer = text(form, "trainer")
        body = validated_form(
            TrainingSessionCreate,
            {
                "topic": form.getlist("topic"),
                "scheduledStart": rules.local_moment(start) or start,
                "scheduledEnd": rules.local_moment(end) or end,
                "trainer": {"name": trainer} if trainer else None,
                "attendee": [{"name": name} for name in rules.names_in(text(form, "attendees"))],
            },
        )
        command = training.booking(case_id, body, actor)
        return await training.book_session(visit.services.uow(), command)

    return await _act(visit, case_id, (Permission.MANAGE_TRAINING,), "booked", run)


@router.post("/cases/{case_id}/training-sessions/{session_id}")
async def close_session(case_id: str, session_id: str, visit: StaffDep) -> Response:
    async def run(form: FormData, actor: Actor) -> object:
        try:
            end = training.SessionEnd(text(form, "end"))
        except ValueError:
            raise InvalidInput("choose completed or cancelled", field="end") from None
        score = text(form, "feedbackScore")
        if score and score not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput("a score is a whole number from 1 to 5", field="feedbackScore")
        # One form holds both buttons, its attendees ticked for completing: cancelling
        # sends them too, and a cancelled session has no attendance or feedback.
        completed = end is training.SessionEnd.COMPLETED
        command = training.CloseSession(
            case_id,
            session_id,
            end,
            actor,
            attended=tuple(str(name) for name in form.getlist("attended")) if completed else (),
            feedback_score=int(score) if score and completed else None,
        )
        return await training.close_session(visit.services.uow(), command)

    return await _act(visit, case_id, (Permission.MANAGE_TRAINING,), "session", run)


@router.post("/cases/{case_id}/state")
async def change_state(case_id: str, visit: StaffDep) -> Response:
    async def run(form: FormData, actor: Actor) -> object:
        try:
            state = CaseState(text(form, "state"))
        except ValueError:
            raise InvalidInput("choose hold, active or cancelled", field="state") from None
        reason = text(form, "reason")[:1000] or None
        command = cases.ChangeState(case_id, state, reason, actor)
        await cases.change_state(visit.services.uow(), command)
        return state

    return await _act(visit, case_id, (Permission.MANAGE_CASE,), "state", run)


@router.post("/cases/{case_id}/customer-update/retry")
async def retry_customer_update(case_id: str, visit: StaffDep) -> Response:
    async def run(_form: FormData, actor: Actor) -> object:
        command = customer_records.RetryCustomerUpdate(case_id, actor)
        return await customer_records.retry_customer_update(visit.services.uow(), command)

    return await _act(visit, case_id, (Permission.MANAGE_CASE,), "retried", run)


@router.post("/cases/{case_id}/messages/{message_id}/resend")
async def resend_message(case_id: str, message_id: str, visit: StaffDep) -> Response:
    async def run(_form: FormData, actor: Actor) -> object:
        command = resend.ResendMessage(case_id, message_id, actor)
        return await resend.resend_message(visit.services.uow(), command)

    return await _act(visit, case_id, (Permission.MANAGE_CASE,), "resent", run)


@router.post("/cases/{case_id}/customer-link")
async def reissue_link(case_id: str, visit: StaffDep) -> Response:
    """A new link for the customer, shown once on the answering page and kept nowhere
    else (not in the session, not in a redirect's address): whoever needs it again issues
    another."""
    links = visit.services

    async def run(form: FormData, actor: Actor) -> object:
        wanted = validated_form(
            CustomerLinkRequest,
            {
                "validForDays": text(form, "validForDays") or None,
                "revokeOthers": bool(text(form, "revokeOthers")),
            },
        )
        command = portal.issuing(case_id, actor, wanted, links.portal_link_days)
        claims = await portal.issue_link(links.uow(), command)
        return IssuedLink(
            link_url(links.portal_url, links.portal_signer, claims),
            claims.expires,
            revoked_others=wanted.revoke_others,
        )

    async def show(issued: object) -> Response:
        return await case_page(visit, case_id, issued=cast(IssuedLink, issued))

    return await _act(visit, case_id, (Permission.MANAGE_CASE,), "link", run, show)
