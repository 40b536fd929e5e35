"""Pure rules of the customer portal: how long a link may live, why a link is refused,
and what a typed full name must look like.

Standard library only: the service reads the link's row and the clock; these decide.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SHORTEST_DAYS = 1
LONGEST_DAYS = 90
LONGEST_NAME = 200
PORTAL_CHANNEL = "customerPortal"
# What a typed name may not hold: control, format, private and unassigned characters (every
# "C" category), and the line and paragraph separators (U+2028, U+2029), which break a line
# as a newline does: the API's one-line rule for a person's name refuses them too.
NOT_IN_A_NAME = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
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
