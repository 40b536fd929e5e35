"""No order lost on the way in: the service registers its listener at order management's
TMF622 hub, and now and then pulls the orders that reached a trigger state since it last
looked, so a notification lost on the way never loses a case.

Both go through the same intake as the listener: an order that already has its case is
found, not opened twice. What the service remembers between runs (its registration, how
far it has looked) is a ``peer_state`` row, written by the link's handlers
(``link_handlers.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, auto
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from order_completion.audit import Actor
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import Clock, iso
from order_completion.database import Database
from order_completion.errors import ServiceError
from order_completion.integrations.errors import IntegrationFailure
from order_completion.integrations.product_order import ProductOrdering
from order_completion.orders.handlers import Intake, OpenCase
from order_completion.orders.link_handlers import (
    ClaimRegistration,
    LinkState,
    RecordRegistration,
    ReleaseRegistration,
    RememberLook,
)
from order_completion.orders.rules import HubRegistration, reconciled_until
from order_completion.orders.schemas import ProductOrder

log = structlog.get_logger(__name__)

RECONCILER = Actor(name="reconciliation")
PAGE = 100
# Orders changed this long before the last look are asked for again: clocks differ.
OVERLAP = timedelta(minutes=5)
# How far back the first look goes.
FIRST_LOOK = timedelta(days=1)


@dataclass
class OrderManagementLink:
    db: Database
    clock: Clock
    intake: Intake
    ordering: ProductOrdering
    uow: Callable[[], UnitOfWork]
    every: timedelta
    callback: str | None = None
    listener_headers: dict[str, str] = field(default_factory=dict)
    # Tells this process's claim on the hub registration from another's.
    claimant: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: LinkState = field(init=False)
    _registered: bool = False
    _last_look: datetime | None = None

    def __post_init__(self) -> None:
        self.state = LinkState(self.db, self.clock)

    async def run_due(self) -> int:
        """The worker's job: register once, then reconcile every ``every``."""
        now = self.clock.now()
        if self._last_look is not None and now - self._last_look < self.every:
            return 0
        self._last_look = now
        done = 0
        if not self._registered and self.callback:
            done += await self.register()
        return done + await self.reconcile()

    def postpone(self) -> None:
        """The next look is ``every`` from now (a look just happened some other way)."""
        self._last_look = self.clock.now()

    async def register(self) -> int:
        """Our listener at the hub, once per callback however many processes start together:
        the process whose turn it is posts it, the others find it registered at their next
        round. A hub that refuses is logged and the reconciliation still finds the orders."""
        assert self.callback is not None
        turn = await self.state.claim_registration(ClaimRegistration(self.callback, self.claimant))
        if turn is not HubRegistration.OURS:
            self._registered = turn is HubRegistration.REGISTERED
            return 0
        try:
            hub_id = await self.ordering.subscribe(self.callback, self.listener_headers)
        except IntegrationFailure as failure:
            await self.state.release_registration(ReleaseRegistration(self.claimant))
            log.warning("peering.hub_refused", error=failure.detail, retryable=failure.retryable)
            self._registered = not failure.retryable
            return 0
        recorded = RecordRegistration(self.callback, self.claimant, hub_id)
        if not await self.state.record_registration(recorded):
            log.warning("peering.hub_claim_lost", hub=hub_id, callback=self.callback)
        self._registered = True
        log.info("peering.hub_registered", hub=hub_id, callback=self.callback)
        return 1

    async def reconcile(self) -> int:
        """Open the case of every order in a trigger state changed since the last look;
        returns how many cases it opened. The next look starts before any order whose case
        could not be opened, so that order is taken again."""
        started = self.clock.now()
        looked = await self.state.looked_until()
        since = looked - OVERLAP if looked else started - FIRST_LOOK
        look = _Look()
        try:
            await self._look(since, look)
        except IntegrationFailure as failure:
            log.warning("peering.reconcile_failed", error=failure.detail)
            return look.opened
        until = reconciled_until(since, started, look.changed, look.refused, OVERLAP)
        await self.state.remember_look(RememberLook(until))
        if look.opened or look.refused:
            log.info("peering.reconciled", opened=look.opened, refused=len(look.refused))
        return look.opened

    async def _look(self, since: datetime, look: _Look) -> None:
        """Every page of the orders changed after ``since``, each taken through intake."""
        offset = 0
        while True:
            page = await self.ordering.orders_since(
                self.intake.trigger_states, iso(since) or "", offset=offset, limit=PAGE
            )
            for order in page:
                opening = await self._open(order)
                changed = _changed(order)
                if opening is _Opening.REFUSED:
                    look.refused.append(changed)
                elif changed is not None:
                    look.changed.append(changed)
                look.opened += opening is _Opening.OPENED
            if len(page) < PAGE:
                return
            offset += PAGE

    async def _open(self, raw: dict[str, Any]) -> _Opening:
        try:
            order = ProductOrder.model_validate(raw)
            # As the listener: the rules pick the policy, the order's state decides.
            command = OpenCase(order, RECONCILER, force=False, permissions=frozenset())
            opened = await self.intake.open_case(self.uow(), command)
        except (ValidationError, ServiceError, SQLAlchemyError) as error:
            log.warning("peering.order_refused", order=raw.get("id"), error=str(error)[:300])
            return _Opening.REFUSED
        return _Opening.OPENED if opened.created else _Opening.FOUND


class _Opening(Enum):
    """What taking one pulled order through intake came to."""

    OPENED = auto()
    FOUND = auto()  # it had its case already: nothing to do
    REFUSED = auto()  # its case could not be opened; the next look takes it again


@dataclass
class _Look:
    """What one look at order management's orders came to."""

    opened: int = 0
    changed: list[datetime] = field(default_factory=list)
    refused: list[datetime | None] = field(default_factory=list)


def _changed(order: dict[str, Any]) -> datetime | None:
    value = order.get("lastUpdate")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
