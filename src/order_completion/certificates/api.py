"""The acceptance certificate as a PDF, for any caller who may read the case."""

from __future__ import annotations

from fastapi import APIRouter, Response

from order_completion.acceptance.certificate import MEDIA_TYPE
from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep
from order_completion.cases.representation import API_BASE
from order_completion.certificates.service import certificate_of
from order_completion.dependencies import allow
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["completionCase"])


@router.get(
    "/completionCase/{case_id}/certificate.pdf",
    dependencies=allow(Permission.READ),
    summary="The acceptance certificate of a case (PDF)",
    description="Customer, order, items, the tests passed with their witnesses and evidence "
    "hashes, the decision and who made it (or the deemed rule and its window) and the "
    "start-of-service date. The same case always gives the same bytes; `X-Content-SHA256` "
    "is their hash, which the case keeps as `certificate.sha256` once issued. 409 until the "
    "case is accepted.",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **ERROR_RESPONSES},
)
async def certificate(case_id: str, app: CaseServicesDep) -> Response:
    rendered = await certificate_of(app.db, case_id)
    return Response(
        rendered.pdf,
        media_type=MEDIA_TYPE,
        headers={
            "X-Content-SHA256": rendered.sha256,
            "Content-Disposition": f'inline; filename="certificate-{case_id}.pdf"',
        },
    )
