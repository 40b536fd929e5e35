"""TMF630 error bodies (``{code, reason, message, status}``) for every failure the API can
answer, installed once on the app."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from order_completion.errors import InvalidInput, ServiceError

# Attributes the server sets: a client that sends them is told so, not that they are unknown.
READ_ONLY = frozenset(
    {
        "id",
        "href",
        "creationDate",
        "lastUpdate",
        "statusChangeDate",
        "processFlowDate",
        "completionDate",
        "startOfServiceDate",
        "milestone",
        "history",
        "jeopardy",
        "taskFlow",
    }
)

STATUS_CODES = {
    400: "20",
    413: "25",
    401: "40",
    403: "50",
    404: "60",
    405: "61",
    409: "70",
    415: "71",
    422: "2",
    500: "1",
}


def error_body(status: int, reason: str, message: str, code: str | None = None) -> dict[str, Any]:
    return {
        "code": code or STATUS_CODES.get(status, str(status)),
        "reason": reason,
        "message": message,
        "status": str(status),
        "@type": "Error",
    }


async def send_error(
    send: Send, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """Answer with an error body from ASGI middleware, which runs outside the app and so
    outside its exception handlers; serialised as the app's responses are (compact)."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": int(body["status"]),
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def service_error_body(error: ServiceError) -> dict[str, Any]:
    """The body of a ``ServiceError``, the message prefixed by the field it names."""
    body = error_body(error.status, error.reason, error.message, error.code)
    if error.field:
        body["field"] = error.field
        if isinstance(error, InvalidInput) and not error.message.startswith(error.field):
            body["message"] = f"{error.field}: {error.message}"
    return body


def service_error_headers(error: ServiceError) -> dict[str, str] | None:
    """The error's own headers (a 429's ``Retry-After``); a 401 says which scheme to use
    (RFC 6750)."""
    headers = dict(error.headers)
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return headers or None


def error_response(status: int, reason: str, message: str, code: str | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, reason, message, code), status_code=status)


def field_path(location: Iterable[int | str]) -> str:
    """Turn a validation location into a dotted path.

    ``("body", "productOrder", "productOrderItem", 0, "id")`` becomes
    ``productOrder.productOrderItem[0].id``.
    """
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("body", "query", "path", "header"):
            text += f".{part}" if text else str(part)
    return text


def _describe(errors: Sequence[Any]) -> tuple[str, str]:
    problems = []
    for item in errors:
        location = [part for part in item.get("loc", ()) if not _is_union_tag(part)]
        path = field_path(location) or "body"
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if item.get("type") == "extra_forbidden":
            name = str(location[-1]) if location else ""
            message = "read-only field" if name in READ_ONLY else "unknown field"
        elif item.get("type") == "missing":
            message = "required"
        problems.append(f"{path}: {message}")
    first = (
        field_path([p for p in errors[0].get("loc", ()) if not _is_union_tag(p)]) if errors else ""
    )
    return first or "body", "; ".join(problems)


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and (
        part.startswith("function-") or part in {"str", "float", "list[Measure]"}
    )


def validation_response(errors: Sequence[Any]) -> JSONResponse:
    field, message = _describe(errors)
    body = error_body(400, "Invalid input", message, "21")
    body["field"] = field
    return JSONResponse(body, status_code=400)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a TMF error body."""

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse(
            service_error_body(error),
            status_code=error.status,
            headers=service_error_headers(error),
        )

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        if errors and errors[0].get("type") == "json_invalid":
            answer = error_body(400, "Invalid input", "body: is not valid JSON", "20")
            answer["field"] = "body"
            return JSONResponse(answer, status_code=400)
        return validation_response(errors)

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, error: ValidationError) -> JSONResponse:
        return validation_response(list(error.errors()))

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        return error_response(409, "Conflict", "the case changed meanwhile; read it and retry")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        reasons = {404: "Not found", 405: "Method not allowed", 415: "Unsupported media type"}
        message = str(error.detail) if error.detail else reasons.get(error.status_code, "Error")
        if error.status_code == 404 and message == "Not Found":
            message = "no such resource"
        return error_response(error.status_code, reasons.get(error.status_code, "Error"), message)

    # Any other exception is logged with its traceback and answered 500 by the request log
    # (operations.request_log), which knows the request's id.
