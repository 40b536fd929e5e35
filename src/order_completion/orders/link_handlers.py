"""Commands on what the link to order management remembers between runs (``peer_state``
rows), each in its own transaction: how far the reconciliation has looked, and the
registration of our listener at order management's hub, claimed by one process at a time
so that processes starting together register it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from order_completion.clock import Clock, iso
from order_completion.database import Database
from order_completion.integrations import peer_state
from order_completion.orders.rules import HubRegistration, hub_registration

HUB = "tmf622.hub"
LOOKED_UNTIL = "tmf622.reconciledUntil"
# A claim on the hub registration older than this is of a process that stopped before it
# finished (posting to the hub takes at most the integration timeout, 300 s at the most).
REGISTRATION_LEASE = timedelta(minutes=10)
CLAIM = "claim"


@dataclass(frozen=True)
class RememberLook:
    """The next look at order management's orders starts from ``until`` (less an overlap)."""

    until: datetime


@dataclass(frozen=True)
class ClaimRegistration:
    """``claimant`` (one process's link) asks for its turn to register ``callback``."""

    callback: str
    claimant: str


@dataclass(frozen=True)
class RecordRegistration:
    """The hub took ``callback`` as registration ``hub_id``, posted by ``claimant``."""

    callback: str
    claimant: str
    hub_id: str


@dataclass(frozen=True)
class ReleaseRegistration:
    """The hub refused ``claimant``'s registration: another turn may try again."""

    claimant: str


class LinkState:
    """The write side of the link's memory, and the reads it starts from."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def looked_until(self) -> datetime | None:
        async with self.db.read() as session:
            until = (await peer_state.recalled(session, LOOKED_UNTIL)).get("until")
        return datetime.fromisoformat(until) if isinstance(until, str) else None

    async def remember_look(self, cmd: RememberLook) -> None:
        async with self.db.transaction() as session:
            await peer_state.keep(
                session, LOOKED_UNTIL, {"until": iso(cmd.until)}, self.clock.now()
            )

    async def claim_registration(self, cmd: ClaimRegistration) -> HubRegistration:
        """Whose turn it is; on ``OURS`` the claim is kept until recorded or released. The
        row is locked while deciding, so of two processes asking at once one claims and
        the other finds that claim."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            known = await peer_state.locked(session, HUB, now)
            claim = known.get(CLAIM) or {}
            turn = hub_registration(
                known.get("callback"),
                _moment(claim.get("at")),
                cmd.callback,
                now,
                REGISTRATION_LEASE,
            )
            if turn is HubRegistration.OURS:
                held = {"by": cmd.claimant, "callback": cmd.callback, "at": iso(now)}
                await peer_state.keep(session, HUB, {**known, CLAIM: held}, now)
            return turn

    async def record_registration(self, cmd: RecordRegistration) -> bool:
        """Remember the registration, while the claim is still ``claimant``'s (a claim
        taken over after its lease belongs to the process that took it)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            known = await peer_state.locked(session, HUB, now)
            if _claimant(known) != cmd.claimant:
                return False
            registered = {"id": cmd.hub_id, "callback": cmd.callback}
            await peer_state.keep(session, HUB, registered, now)
            return True

    async def release_registration(self, cmd: ReleaseRegistration) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            known = await peer_state.locked(session, HUB, now)
            if _claimant(known) == cmd.claimant:
                known.pop(CLAIM)
                await peer_state.keep(session, HUB, known, now)


def _claimant(known: dict[str, Any]) -> str | None:
    claim = known.get(CLAIM)
    return claim.get("by") if isinstance(claim, dict) else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
