"""Shapes shared by every API: the TMF630 error body and the error responses it documents,
and the constrained values several APIs take (date-times, names on one line, prose)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field


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


# Unicode categories of characters that break a line or control a device: C0 and C1 controls
# (CR, LF, tab, NEL among them) and the line and paragraph separators.
LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
# The same rule in the OpenAPI document (ECMA-262 syntax), so clients can check it first.
ONE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"


def on_one_line(text: str) -> str:
    """``text`` unchanged when it holds no line break or control character. Names travel
    into e-mail headers (a line break there starts a header of the sender's choosing), into
    calendar invitations and onto the acceptance certificate, so such a value is refused
    where it comes in, before anything is stored."""
    if any(unicodedata.category(character) in LINE_BREAKING for character in text):
        raise ValueError("must be one line: no line breaks or control characters")
    return text


Text = TypeVar("Text", bound=str)
# Text on one line, wherever it is shown: the names and identifiers that end up in e-mail
# headers, invitations and the certificate. Lengths go inside, as in
# ``OneLine[Annotated[str, Field(max_length=200)]]``: checked first, they keep their usual
# wording ("String should have at most 200 characters").
OneLine = Annotated[
    Text, AfterValidator(on_one_line), Field(json_schema_extra={"pattern": ONE_LINE_PATTERN})
]
SingleLineText = OneLine[str]
# A person's name as they give it: at least one character, on one line.
PersonName = OneLine[Annotated[str, Field(min_length=1)]]


# What prose may not hold: C0 and C1 controls other than the line breaks and tab (ESC starts
# a terminal's escape sequence, BEL rings it) and the bidirectional embeddings, overrides and
# isolates, which make text read otherwise than it is stored (a punch list line shown
# reversed on the staff page or in an e-mail).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PROSE_BREAKS = frozenset("\n\r\t")
# The same rule in the OpenAPI document (ECMA-262 syntax), so clients can check it first.
PROSE_PATTERN = (
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
    "\\u202a-\\u202e\\u2066-\\u2069]*$"
)


def plain_prose(text: str) -> str:
    """``text`` unchanged when it holds no control character but line breaks and tabs, and
    no bidirectional override. Prose a customer writes is shown to staff, written into
    e-mails and onto the certificate, so such a value is refused where it comes in."""
    for character in text:
        if character in BIDI_CONTROLS:
            raise ValueError(
                f"must not hold bidirectional control characters (U+{ord(character):04X})"
            )
        if unicodedata.category(character) == "Cc" and character not in PROSE_BREAKS:
            raise ValueError(
                f"must not hold control characters (U+{ord(character):04X}); "
                "line breaks and tabs are fine"
            )
    return text


# Free text over one or more lines: reasons, notes, comments, punch list items. Lengths go
# inside, as with ``OneLine``: ``Prose[Annotated[str, Field(max_length=500)]]``.
Prose = Annotated[
    Text, AfterValidator(plain_prose), Field(json_schema_extra={"pattern": PROSE_PATTERN})
]
