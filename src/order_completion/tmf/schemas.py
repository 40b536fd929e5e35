"""Shapes shared by every API: the TMF630 error body and the error responses it documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """The TMF630 error body."""

    code: str
    reason: str
    message: str
    status: str
    field: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "Invalid input; `field` names the offending field"),
        (401, "No token, or a token that is unknown, revoked or expired"),
        (403, "The caller's role may not do this"),
        (404, "Unknown id"),
        (409, "Not allowed in the current state"),
    )
}

# A JSON object as routes answer it (its shape is the route's response model).
JsonObject = dict[str, object]
