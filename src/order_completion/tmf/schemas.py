"""Shapes shared by every API: the TMF630 error body and the error responses it documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel


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


def in_utc_range(moment: datetime) -> datetime:
    """``moment`` unchanged when it has a UTC time: ``0001-01-01T00:00:00+01:00`` is a
    valid ISO 8601 date-time whose UTC time falls before year 1, which no date type (and
    no database) holds; it is refused where it is read, not where it is stored."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall between years 1 and 9999 once in UTC") from None
    return moment


# A date-time with an offset, which every column stores in UTC.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(in_utc_range)]
