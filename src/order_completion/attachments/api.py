"""HTTP routes of a case's attachments: evidence sent as the request body (the file's bytes,
its media type as ``Content-Type``), listed and served back to whoever may read the case."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from order_completion.attachments import handlers, service
from order_completion.attachments.responses import download
from order_completion.attachments.rules import NAME_LENGTH
from order_completion.attachments.store import AttachmentStore
from order_completion.attachments.tables import Attachment
from order_completion.auth.rules import Permission
from order_completion.cases import queries
from order_completion.cases.representation import API_BASE, case_href
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import iso
from order_completion.database import Database
from order_completion.dependencies import ActorDep, allow, services
from order_completion.errors import NotFound
from order_completion.settings import Settings
from order_completion.tmf.responses import json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["attachment"])
# The upload route, whose body may be larger than other requests' (the size-limit middleware).
UPLOAD_PATH = r"/completionCase/[^/]+/attachment$"


class AttachmentServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def base_url(self) -> str: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def attachments(self) -> AttachmentStore: ...

    def uow(self) -> UnitOfWork: ...


AttachmentServicesDep = Annotated[AttachmentServices, Depends(services(AttachmentServices))]


class AttachmentOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    href: str
    type_: str = Field(alias="@type")
    name: str
    mimeType: str
    size: dict[str, Any]
    sha256: str = Field(description="SHA-256 of the bytes, hex")
    url: str = Field(description="Where the bytes are served")
    description: str | None = None
    evidenceOf: str | None = Field(
        default=None, description="The test run or decision it backs: `commissioningRun:<id>`"
    )
    creationDate: str


def resource(row: Attachment, base_url: str) -> dict[str, Any]:
    href = f"{case_href(base_url, row.case_id)}/attachment/{row.id}"
    result: dict[str, Any] = {
        "id": row.id,
        "href": href,
        "@type": "Attachment",
        "name": row.name,
        "mimeType": row.media_type,
        "size": {"amount": row.size, "units": "bytes"},
        "sha256": row.sha256,
        "url": f"{href}/content",
        "creationDate": iso(row.created_at),
    }
    if row.description:
        result["description"] = row.description
    if row.evidence_of:
        result["evidenceOf"] = row.evidence_of
    return result


@router.post(
    "/completionCase/{case_id}/attachment",
    dependencies=allow(Permission.RECORD_TEST, Permission.RECORD_DECISION, Permission.MANAGE_CASE),
    summary="Attach a file to a case (a test report, a photo, a signed document)",
    description="The body is the file's bytes, its media type the `Content-Type`, its name "
    "`?name=`. Types and size are limited (`ORDER_COMPLETION_ATTACHMENT_TYPES`, "
    "`ORDER_COMPLETION_ATTACHMENT_MAX_BYTES`: 413 above). The answer gives its `id`: name it "
    "in a commissioning test's or an acceptance decision's `attachment` to make it their "
    "evidence, which the acceptance certificate lists with its SHA-256. The same bytes under "
    "the same name again (a retried upload) answer 200 with the attachment already made; a "
    "completed or cancelled case takes none (409).",
    status_code=201,
    response_model=AttachmentOut,
    responses={
        201: {"model": AttachmentOut},
        200: {"model": AttachmentOut, "description": "The attachment a retried upload made"},
        **ERROR_RESPONSES,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary", "examples": ["%PDF-1.7 ..."]}
                }
            },
        }
    },
)
async def add(
    case_id: str,
    request: Request,
    app: AttachmentServicesDep,
    actor: ActorDep,
    name: Annotated[str, Query(max_length=NAME_LENGTH, description="The file's name")],
    description: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    command = handlers.AddAttachment(
        case_id=case_id,
        name=name,
        media_type=request.headers.get("content-type", ""),
        data=await request.body(),
        description=description,
        actor=actor,
    )
    allowed = frozenset(app.settings.attachment_types)
    added = await handlers.add_attachment(app.uow(), app.attachments, allowed, command)
    answer = resource(added.attachment, app.base_url)
    status = 201 if added.created else 200
    return json_resource(answer, status_code=status, headers={"Location": answer["href"]})


@router.get(
    "/completionCase/{case_id}/attachment",
    dependencies=allow(Permission.READ),
    summary="The attachments of a case",
    description="Oldest first, all of them (a case holds a handful); each with its SHA-256 "
    "and the `url` of its bytes.",
    response_model=list[AttachmentOut],
    responses={200: {"model": list[AttachmentOut]}, **ERROR_RESPONSES},
)
async def list_attachments(case_id: str, app: AttachmentServicesDep) -> Response:
    async with app.db.read() as session:
        rows = await service.files_of_case(session, case_id)
        if not rows:
            await queries.get_case(session, case_id)  # 404 for a case that does not exist
    return json_page([resource(row, app.base_url) for row in rows], total=len(rows))


async def _one(app: AttachmentServices, case_id: str, attachment_id: str) -> Attachment:
    async with app.db.read() as session:
        row = await service.file_of_case(session, case_id, attachment_id)
    if row is None:
        raise NotFound(f"case {case_id} has no attachment {attachment_id}")
    return row


@router.get(
    "/completionCase/{case_id}/attachment/{attachment_id}",
    dependencies=allow(Permission.READ),
    summary="One attachment of a case",
    response_model=AttachmentOut,
    responses={200: {"model": AttachmentOut}, **ERROR_RESPONSES},
)
async def get_attachment(case_id: str, attachment_id: str, app: AttachmentServicesDep) -> Response:
    return json_resource(resource(await _one(app, case_id, attachment_id), app.base_url))


@router.get(
    "/completionCase/{case_id}/attachment/{attachment_id}/content",
    dependencies=allow(Permission.READ),
    summary="The bytes of an attachment",
    description="Served as a download with its media type and `X-Content-SHA256`.",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **ERROR_RESPONSES},
)
async def content(case_id: str, attachment_id: str, app: AttachmentServicesDep) -> Response:
    row = await _one(app, case_id, attachment_id)
    return download(row, await app.attachments.get(row.sha256))
