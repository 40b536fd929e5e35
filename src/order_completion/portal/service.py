"""Opening a customer's link: which case it opens, or why it opens none; and whether the
customer's decision is already recorded (a second click of the same button)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from order_completion.acceptance.queries import decisions_of_case
from order_completion.audit import Actor
from order_completion.cases.tables import CASES
from order_completion.clock import iso
from order_completion.database import Database
from order_completion.errors import Forbidden, NotFound
from order_completion.portal import rules
from order_completion.portal.rules import LinkClaims, Refusal
from order_completion.portal.signing import ForgedLink, LinkSigner
from order_completion.portal.tables import CustomerLinks


class LinkRefused(Forbidden):
    """403: the link is forged, expired or revoked (``refusal`` says which)."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message, field="token")
        self.refusal = refusal


class LinkCaseUnknown(NotFound):
    """404: a genuine link to a case this service no longer holds."""

    refusal = Refusal.UNKNOWN_CASE

    def __init__(self) -> None:
        super().__init__("the case this link was issued for no longer exists", field="token")


@dataclass(frozen=True)
class OpenedLink:
    """A link that opens its case: the case, and who holds the link."""

    claims: LinkClaims
    customer_id: str
    customer_name: str | None

    @property
    def case_id(self) -> str:
        return self.claims.case_id

    @property
    def actor(self) -> Actor:
        """The customer, as the commands they give through the portal carry them."""
        return Actor(
            f"customer {self.customer_name or self.customer_id}",
            f"customerLink:{self.case_id}:{self.claims.generation}",
            rules.PORTAL_CHANNEL,
        )


async def open_link(db: Database, signer: LinkSigner, token: str, now: datetime) -> OpenedLink:
    """The case ``token`` opens; refused (403) when it is forged, expired or revoked, and
    404 when its case is gone. A link opens exactly the case it was signed for."""
    try:
        claims = signer.read(token)
    except ForgedLink as error:
        raise LinkRefused(Refusal.FORGED, f"{error}; use the link you were sent") from None
    async with db.read() as session:
        found = (
            await session.execute(
                select(CASES.c.customer_id, CASES.c.customer_name, CustomerLinks.generation)
                .select_from(CASES.outerjoin(CustomerLinks, CustomerLinks.case_id == CASES.c.id))
                .where(CASES.c.id == claims.case_id)
            )
        ).one_or_none()
    if found is None:
        raise LinkCaseUnknown()
    refusal = rules.refusal(claims, now, found.generation)
    if refusal is Refusal.EXPIRED:
        raise LinkRefused(refusal, f"the link expired at {iso(claims.expires)}; ask for a new one")
    if refusal is not None:
        raise LinkRefused(refusal, "the link was revoked by a newer one; use the latest link")
    return OpenedLink(claims, found.customer_id, found.customer_name)


async def current_link(
    db: Database, signer: LinkSigner, case_id: str, now: datetime, days: int
) -> str:
    """A link of the case's current generation valid ``days`` from ``now`` (for the
    messages the customer is sent), without writing anything: issuing a link that
    revokes the others revokes these too."""
    async with db.read() as session:
        generation = await session.scalar(
            select(CustomerLinks.generation).where(CustomerLinks.case_id == case_id)
        )
    claims = LinkClaims(case_id, generation or rules.FIRST_GENERATION, rules.expiry(now, days))
    return signer.sign(claims)


async def already_decided(db: Database, case_id: str, decision: str) -> bool:
    """Whether the case's latest decision is ``decision``, made by its customer."""
    async with db.read() as session:
        recorded = await decisions_of_case(session, case_id)
    # Oldest first by round: a rejection opens the next round, so decisions recorded in
    # the same second still come in the order they were made.
    in_order = sorted(recorded, key=lambda row: (row.round, row.decided_at))
    made = [(row.decision, row.decided_by.get("role")) for row in in_order]
    return rules.already_decided(made, decision)
