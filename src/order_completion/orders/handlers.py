"""Intake: turn a delivered product order into a completion case under the right policy,
from the API, the TMF622 listener, the TMF701 façade and ``import-orders``.

The same order again gives back its case; the same order id with other items is a conflict;
a repeated inbound event id has no second effect.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from order_completion.audit import Actor
from order_completion.auth.rules import OPERATOR_PERMISSIONS, Permission
from order_completion.auth.service import demand
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.database import Database
from order_completion.errors import Conflict, Forbidden, InvalidInput
from order_completion.orders.planning import fingerprint, order_facts, plan_case
from order_completion.orders.rules import in_trigger_state
from order_completion.orders.schemas import ProductOrder, ProductOrderStateChangeEvent
from order_completion.orders.tables import InboundEvent
from order_completion.policies.schema import Policy
from order_completion.policies.service import PolicyBook

MIN_DEDUP = timedelta(days=7)
T = TypeVar("T")


class IntakeOutcome(StrEnum):
    """What an inbound order event came to."""

    CASE_CREATED = "caseCreated"
    EXISTING_CASE = "existingCase"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class OpenCase:
    """Open the case of ``order``, as a caller holding ``permissions``.

    ``force`` opens it whatever the order's state (an administrator's decision; the demo
    and the bench, which make their own orders); without it the order must be in one of
    the trigger states, as for the listener. Naming a ``policy_id`` other than the one the
    rules pick needs the permission to manage cases (a policy decides which checks the
    customer gets, so naming another is a case manager's decision, not an integration's);
    ``policy_field`` is the name the caller gave that policy, for the refusal to quote.
    """

    order: ProductOrder
    actor: Actor
    force: bool
    permissions: frozenset[Permission]
    policy_id: str | None = None
    policy_field: str = "policy"

    @classmethod
    def by_operator(
        cls, order: ProductOrder, actor: Actor, policy_id: str | None = None
    ) -> OpenCase:
        """Opened by the operator's own tools (the demo, the bench, the tests' helpers), which
        make their own orders: whatever the order's state, under the policy they name."""
        return cls(order, actor, True, OPERATOR_PERMISSIONS, policy_id)


@dataclass(frozen=True)
class CaseOpened:
    """The case of the order; ``case`` is the new case when this command created it, so
    the caller answers without reading it back."""

    case_id: str
    case: CompletionCase | None = None

    @property
    def created(self) -> bool:
        return self.case is not None


@dataclass(frozen=True)
class ReceiveOrderEvent:
    event: ProductOrderStateChangeEvent
    actor: Actor


@dataclass(frozen=True)
class OrderEventReceived:
    outcome: IntakeOutcome
    case_id: str | None


# The length of ``inbound_event.source``.
SOURCE_LENGTH = 80


class Intake:
    """Opens cases from orders under the policy the order's facts select."""

    def __init__(
        self,
        policies: PolicyBook,
        trigger_states: Sequence[str],
        on_result: Callable[[IntakeOutcome], None] = lambda outcome: None,
    ) -> None:
        self.policies = policies
        # The order states that open a case, for every way in (settings.trigger_states).
        self.trigger_states = tuple(trigger_states)
        # Told what each inbound event came to (the composition root counts them).
        self.on_result = on_result

    async def open_case(self, uow: UnitOfWork, cmd: OpenCase) -> CaseOpened:
        """Open the case, or find the one the order already has. A concurrent request for
        the same order loses the race on the unique key; its retry finds the winner's case."""
        return await _once_more_on_a_taken_key(uow, lambda: self._open(uow, cmd))

    async def _open(self, uow: UnitOfWork, cmd: OpenCase) -> CaseOpened:
        if cmd.force:
            demand(cmd.permissions, Permission.FORCE_CASE, who=cmd.actor.name, field="force")
        elif not in_trigger_state(cmd.order.state, self.trigger_states):
            raise Conflict(
                f"productOrder.state is {cmd.order.state or 'missing'}; a case opens for an "
                f"order in a trigger state ({', '.join(self.trigger_states)}), unless an "
                "administrator forces it",
                field="productOrder.state",
            )
        policy = self._policy_for(cmd)
        existing = await uow.cases.find_by_order(cmd.order.id)
        if existing is not None:
            return CaseOpened(_same_order(existing, cmd.order))
        raw = cmd.order.model_dump(by_alias=True, mode="json", exclude_none=True)
        plan = plan_case(cmd.order, raw, policy, uow.now)
        case = uow.open(plan, str(uuid.uuid4()), [str(uuid.uuid4()) for _ in plan.steps], cmd.actor)
        return CaseOpened(case.id, case)

    def _policy_for(self, cmd: OpenCase) -> Policy:
        """The policy the caller named, or the one the order's facts select; only a caller
        who may manage cases names one other than the rules' choice."""
        if not cmd.policy_id:
            return self.policies.select(order_facts(cmd.order))
        try:
            named = self.policies.get(cmd.policy_id)
        except InvalidInput as error:
            raise InvalidInput(error.message, field=cmd.policy_field) from None
        if Permission.MANAGE_CASE in cmd.permissions:
            return named
        chosen = self.policies.select(order_facts(cmd.order))
        if named.id != chosen.id:
            raise Forbidden(
                f"{cmd.policy_field} {named.id} is not the policy the rules pick for this "
                f"order ({chosen.id}); only a role that manages cases may name another",
                field=cmd.policy_field,
            )
        return named

    async def receive_event(self, uow: UnitOfWork, cmd: ReceiveOrderEvent) -> OrderEventReceived:
        """Open a case for an order in a trigger state; a repeated event id does nothing."""
        received = await _once_more_on_a_taken_key(uow, lambda: self._receive(uow, cmd))
        self.on_result(received.outcome)
        return received

    async def _receive(self, uow: UnitOfWork, cmd: ReceiveOrderEvent) -> OrderEventReceived:
        # Event ids are unique per sender, not across senders: the sender is its credential
        # (two integrations whose names begin alike must not share their event ids).
        sender = cmd.actor.key or f"name:{cmd.actor.name or 'anonymous'}"
        source = f"{sender}/productOrderStateChangeEvent"
        if len(source) > SOURCE_LENGTH:  # a long name, from a caller with no credential id
            source = "sha256:" + hashlib.sha256(source.encode()).hexdigest()
        event = cmd.event
        seen = await uow.session.get(InboundEvent, (source, event.event_id))
        if seen is not None:
            return OrderEventReceived(IntakeOutcome.DUPLICATE, seen.case_id)
        order = event.event.product_order
        case_id: str | None = None
        if in_trigger_state(order.state, self.trigger_states):
            # The listener names no policy and never forces: the rules pick, the state decides.
            opened = await self._open(uow, OpenCase(order, cmd.actor, False, frozenset()))
            outcome = IntakeOutcome.CASE_CREATED if opened.created else IntakeOutcome.EXISTING_CASE
            case_id = opened.case_id
        else:
            outcome = IntakeOutcome.IGNORED
        uow.add(
            InboundEvent(
                source=source,
                event_id=event.event_id,
                received_at=uow.now,
                result=outcome.value,
                case_id=case_id,
            )
        )
        return OrderEventReceived(outcome, case_id)


async def _once_more_on_a_taken_key(uow: UnitOfWork, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` in the unit of work; when a concurrent request took the same unique key
    (the same order, the same event id) first, run it once more: it then finds that row."""
    try:
        async with uow:
            return await work()
    except IntegrityError:
        async with uow:
            return await work()


def _same_order(existing: tuple[str, str], order: ProductOrder) -> str:
    case_id, known_fingerprint = existing
    if known_fingerprint != fingerprint(order):
        raise Conflict(
            f"product order {order.id} already has completion case {case_id} with different items"
        )
    return case_id


async def forget_old_events(db: Database, now: datetime, keep: timedelta) -> int:
    """Forget inbound event ids older than ``keep`` (at least 7 days are always kept)."""
    cutoff = now - max(keep, MIN_DEDUP)
    async with db.transaction() as session:
        result = await session.execute(
            delete(InboundEvent).where(InboundEvent.received_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
