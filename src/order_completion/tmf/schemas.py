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
# Characters that show nothing, or change how the text around them reads, without being
# text: format characters (direction marks, embeddings, overrides and isolates, zero-width
# spaces, the byte order mark, tag characters that carry hidden text), private-use code
# points and surrogates. The two joiners are format characters some scripts need between
# letters (Persian, the Indic scripts), so they are text here.
UNSEEN = frozenset({"Cf", "Co", "Cs"})
JOINERS = frozenset("\u200c\u200d")
# The same rules in the OpenAPI document (ECMA-262 syntax), so clients can check them first
# (the common format characters by name; the service checks every one).
_UNSEEN_PATTERN = (
    "\\u00ad\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff"
    "\\ufff9-\\ufffb\\ue000-\\uf8ff"
)
ONE_LINE_PATTERN = f"^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029{_UNSEEN_PATTERN}]*$"


def unseen(character: str) -> bool:
    """Whether ``character`` is one that shows nothing or changes how text reads."""
    return unicodedata.category(character) in UNSEEN and character not in JOINERS


def _refuse_unseen(text: str) -> None:
    for character in text:
        if unseen(character):
            raise ValueError(
                f"must not hold invisible or direction-changing characters (U+{ord(character):04X})"
            )


def on_one_line(text: str) -> str:
    """``text`` unchanged when it holds no line break, control character or invisible one.
    Names travel into e-mail headers (a line break there starts a header of the sender's
    choosing), into calendar invitations and onto the acceptance certificate, and a
    direction override makes a name read otherwise than it is stored, so such a value is
    refused where it comes in, before anything is stored."""
    if any(unicodedata.category(character) in LINE_BREAKING for character in text):
        raise ValueError("must be one line: no line breaks or control characters")
    _refuse_unseen(text)
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
# a terminal's escape sequence, BEL rings it) and the unseen characters above, among them the
# bidirectional overrides that make text read otherwise than it is stored (a punch list line
# shown reversed on the staff page or in an e-mail).
PROSE_BREAKS = frozenset("\n\r\t")
# The same rule in the OpenAPI document (ECMA-262 syntax), so clients can check it first.
PROSE_PATTERN = (
    f"^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f{_UNSEEN_PATTERN}]*$"
)


def plain_prose(text: str) -> str:
    """``text`` unchanged when it holds no control character but line breaks and tabs, and
    no invisible or direction-changing one. Prose a customer writes is shown to staff,
    written into e-mails and onto the certificate, so such a value is refused where it
    comes in."""
    for character in text:
        if unicodedata.category(character) == "Cc" and character not in PROSE_BREAKS:
            raise ValueError(
                f"must not hold control characters (U+{ord(character):04X}); "
                "line breaks and tabs are fine"
            )
    _refuse_unseen(text)
    return text


# Free text over one or more lines: reasons, notes, comments, punch list items. Lengths go
# inside, as with ``OneLine``: ``Prose[Annotated[str, Field(max_length=500)]]``.
Prose = Annotated[
    Text, AfterValidator(plain_prose), Field(json_schema_extra={"pattern": PROSE_PATTERN})
]
