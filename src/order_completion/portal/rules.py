"""Pure rules of the customer portal: how long a link may live, why a link is refused,
what a typed full name must look like, and how much a link's holder may ask of the service:
how often a look is logged, how many sessions they may hold, when a session may be booked,
and when a move request is still with the trainer.

Standard library only: the service reads the link's row and the clock; these decide.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SHORTEST_DAYS = 1
LONGEST_DAYS = 90
LONGEST_NAME = 200
PORTAL_CHANNEL = "customerPortal"
# The role a decision made through the portal names: the customer decided it themselves.
CUSTOMER_ROLE = "customer"
# What a typed name may not hold: control, format, private and unassigned characters (every
# "C" category), and the line and paragraph separators (U+2028, U+2029), which break a line
# as a newline does: the API's one-line rule for a person's name refuses them too.
NOT_IN_A_NAME = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# A look through the link (the case, the certificate, a document) is logged at most once in
# this long per case and kind: the page is served every time, but reloading it writes nothing.
LOGGED_AT_MOST_EVERY = timedelta(hours=1)
# The customer books through their link while the case holds fewer open training sessions
# than this, whoever booked them: enough for a course in parts, and a link cannot fill the
# trainers' calendars. Counted from the sessions themselves, not from anything staff edit.
MOST_OPEN_SESSIONS = 3
# The note a session booked through the link carries, for the trainer to see.
BOOKED_THROUGH_LINK = "Booked by the customer through their link"
# A time the customer picks: the longest session, and how far ahead it may be.
LONGEST_SESSION = timedelta(hours=8)
FURTHEST_AHEAD = timedelta(days=365)
# The generation of a case's links until one is issued that revokes the others: the links
# its messages carry need no row written to be honoured.
FIRST_GENERATION = 1


class Refusal(StrEnum):
    """Why a link opens nothing; each is told apart in the answer, none shows case data."""

    FORGED = "forged"  # not signed by this service (or altered)
    EXPIRED = "expired"
    REVOKED = "revoked"  # a later link was issued with revokeOthers
    UNKNOWN_CASE = "unknownCase"  # signed for a case this service no longer holds


class PortalAction(StrEnum):
    """What a customer did through a link, as the interaction log names it."""

    VIEWED = "customerPortal: case viewed"
    CERTIFICATE_DOWNLOADED = "customerPortal: certificate downloaded"
    DOCUMENT_DOWNLOADED = "customerPortal: document downloaded"
    MOVE_REQUESTED = "customerPortal: training session move requested"


@dataclass(frozen=True)
class LinkClaims:
    """What a signed link says: the one case it opens, its generation and its end."""

    case_id: str
    generation: int
    expires: datetime


def expiry(now: datetime, days: int) -> datetime:
    """When a link issued ``now`` for ``days`` stops opening the case, to the second (as
    the link carries it)."""
    return (now + timedelta(days=days)).replace(microsecond=0)


def refusal(claims: LinkClaims, now: datetime, current_generation: int | None) -> Refusal | None:
    """Why a genuine link is refused now, or None when it opens its case; a case whose
    links were never revoked (``None``) is at the first generation."""
    if now >= claims.expires:
        return Refusal.EXPIRED
    if claims.generation < (current_generation or FIRST_GENERATION):
        return Refusal.REVOKED
    return None


def next_generation(current: int | None, *, revoke_others: bool) -> int:
    """The generation a new link carries: a new one when it revokes the others."""
    generation = current or FIRST_GENERATION
    return generation + 1 if revoke_others else generation


def name_problem(name: str) -> str | None:
    """Why a typed full name cannot sign an acceptance, or None: one line of printable
    text, not blank, of a sane length."""
    if not name.strip():
        return "type your full name"
    if len(name) > LONGEST_NAME:
        return f"a full name is at most {LONGEST_NAME} characters"
    if any(unicodedata.category(c) in NOT_IN_A_NAME for c in name):
        return "a full name is one line of text, without control characters"
    return None


def worth_logging(last_logged: datetime | None, now: datetime) -> bool:
    """Whether a look through the link is logged now, given when the same look at the same
    case was last logged (None: never)."""
    return last_logged is None or now - last_logged >= LOGGED_AT_MOST_EVERY


def booking_refusal(open_sessions: int) -> str | None:
    """Why the customer may not book another session now, given how many open training
    sessions the case holds, or None."""
    if open_sessions >= MOST_OPEN_SESSIONS:
        return (
            f"you already have {open_sessions} training sessions booked; ask to move one of "
            "them instead, or ask your provider for another"
        )
    return None


@dataclass(frozen=True)
class TimeProblem:
    """What is wrong with a time the customer picked, and the field that holds it."""

    field: str
    message: str


def time_problem(
    start: datetime, end: datetime, now: datetime, *, start_field: str, end_field: str
) -> TimeProblem | None:
    """Why a session's start and end that the customer picked cannot be, or None: it starts
    after ``now`` and within a year, and ends after it starts, on the same working day."""
    if start <= now:
        return TimeProblem(start_field, "must be in the future")
    if start - now > FURTHEST_AHEAD:
        return TimeProblem(start_field, f"must be within {FURTHEST_AHEAD.days} days from now")
    if end <= start:
        return TimeProblem(end_field, f"must be after {start_field}")
    if end - start > LONGEST_SESSION:
        hours = int(LONGEST_SESSION.total_seconds() // 3600)
        return TimeProblem(end_field, f"must be at most {hours} hours after {start_field}")
    return None


def move_wanted(session_id: str, start: str, end: str, note: str | None) -> str:
    """How a move request reads in the interaction log: the session first, by its id."""
    wanted = f"Session {session_id}: move to {start} to {end}"
    return f"{wanted}. {note}" if note else wanted


@dataclass(frozen=True)
class MoveRequest:
    """A move request as the interaction log keeps it."""

    description: str | None
    status: str
    made_at: datetime


def move_pending(
    requests: Iterable[MoveRequest], session_id: str, session_changed_at: datetime
) -> bool:
    """Whether a request to move the session is still with the trainer: one is open and the
    session has not changed since it was made (a move answers it)."""
    prefix = f"Session {session_id}:"
    return any(
        request.status == "open"
        and (request.description or "").startswith(prefix)
        and request.made_at >= session_changed_at
        for request in requests
    )


def already_decided(decisions: Sequence[tuple[str, str | None]], decision: str) -> bool:
    """Whether the case's latest decision (each given as the decision and its decider's
    role, oldest first) is ``decision`` made by the customer: a second click of the same
    button finds it recorded by the first."""
    return bool(decisions) and decisions[-1] == (decision, CUSTOMER_ROLE)
