"""The operations workspace: the work queues (refreshed in place), a case's page, and the
files a case page links to (the certificate, invitations, attachments), served to the
signed-in staff who may read cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Response
from fastapi.responses import HTMLResponse

from order_completion.acceptance.certificate import MEDIA_TYPE
from order_completion.appointments import calendar
from order_completion.appointments import service as appointments
from order_completion.attachments.tables import Attachment
from order_completion.auth.rules import Permission
from order_completion.cases import queries
from order_completion.certificates.service import certificate_of
from order_completion.errors import InvalidInput, NotFound
from order_completion.web import case_view, queues
from order_completion.web.shell import StaffDep, Visit, page_router, pages_of

router = page_router()
NOTICES = {
    "test": "The commissioning test was recorded.",
    "evidence": "The file was attached to the case.",
    "booked": "The training session was booked.",
    "session": "The training session was closed.",
    "state": "The case's state was changed.",
    "retried": "The customer update is being tried again.",
    "resent": "The message will be sent again.",
}


@dataclass(frozen=True)
class IssuedLink:
    """A customer link just issued, for the page that answers the form to show once."""

    url: str
    expires: datetime
    revoked_others: bool


def _filters(visit: Visit) -> queues.Filters:
    values = {key: value.strip() for key, value in visit.request.query_params.items()}
    return queues.Filters.parse(values)


async def _board_context(visit: Visit) -> dict[str, object]:
    services = visit.services
    try:
        filters = _filters(visit)
    except InvalidInput as wrong:
        return {"problem": wrong, "filters": queues.Filters(), "board": None}
    async with services.db.read() as session:
        board = await queues.board(session, services.counts, filters, services.clock.now())
    return {"problem": None, "filters": filters, "board": board}


def _common(visit: Visit) -> dict[str, object]:
    return {
        "labels": queues.QUEUE_LABELS,
        "Queue": queues.Queue,
        "policies": visit.services.policies.all(),
        "refresh": pages_of(visit.request).refresh_seconds,
    }


@router.get("/workspace")
async def workspace(visit: StaffDep) -> Response:
    visit.require(Permission.READ)
    context = await _board_context(visit)
    status = 400 if context["problem"] else 200
    return pages_of(visit.request).render(
        visit, "workspace.html", {**_common(visit), **context}, status=status
    )


@router.get("/workspace/queues")
async def queue_fragment(visit: StaffDep) -> Response:
    """The queues and the table alone, for the page to refresh them without a reload."""
    visit.require(Permission.READ)
    context = await _board_context(visit)
    status = 400 if context["problem"] else 200
    return pages_of(visit.request).render(
        visit, "_queues.html", {**_common(visit), **context}, status=status
    )


async def case_page(
    visit: Visit,
    case_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    issued: IssuedLink | None = None,
) -> HTMLResponse:
    visit.require(Permission.READ)
    async with visit.services.db.read() as session:
        view = await case_view.case_view(session, case_id)
    notice = NOTICES.get(visit.request.query_params.get("done", ""))
    context = {
        "view": view,
        "error": error,
        "notice": None if error else notice,
        "issued": issued,
        "link_days": visit.services.portal_link_days,
    }
    response: HTMLResponse = pages_of(visit.request).render(
        visit, "case.html", context, status=status
    )
    return response


@router.get("/cases/{case_id}")
async def show_case(case_id: str, visit: StaffDep) -> Response:
    return await case_page(visit, case_id)


@router.get("/cases/{case_id}/certificate.pdf")
async def certificate(case_id: str, visit: StaffDep) -> Response:
    visit.require(Permission.READ)
    rendered = await certificate_of(visit.services.db, case_id)
    return Response(
        rendered.pdf,
        media_type=MEDIA_TYPE,
        headers={
            "X-Content-SHA256": rendered.sha256,
            "Content-Disposition": f'attachment; filename="certificate-{case_id}.pdf"',
        },
    )


@router.get("/cases/{case_id}/appointments/{appointment_id}/invitation.ics")
async def invitation(case_id: str, appointment_id: str, visit: StaffDep) -> Response:
    visit.require(Permission.READ)
    async with visit.services.db.read() as session:
        row = await appointments.get(session, appointment_id, case_id=case_id)
        order = (await queries.get_case(session, case_id)).product_order_id
    return Response(
        calendar.invitation(row, order_id=order),
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.ics"'},
    )


@router.get("/cases/{case_id}/attachments/{attachment_id}")
async def attachment(case_id: str, attachment_id: str, visit: StaffDep) -> Response:
    visit.require(Permission.READ)
    async with visit.services.db.read() as session:
        row = await session.get(Attachment, attachment_id)
    if row is None or row.case_id != case_id:
        raise NotFound(f"case {case_id} has no attachment {attachment_id}")
    data = await visit.services.attachments.get(row.sha256)
    return Response(
        data,
        media_type=row.media_type,
        headers={
            "Content-Disposition": "attachment",
            "X-Content-SHA256": row.sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )
