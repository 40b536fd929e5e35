"""Hub registrations: who wants which events of which API, and who registered them.
Delivery reads these rows; a hub is seen and managed only by its owner and administrators."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, Text, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, UTCDateTime
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.events import rules
from order_completion.events.catalog import EVENT_TYPES, Api, api_of
from order_completion.events.rules import HubCaller
from order_completion.events.sealing import SecretBox


class Subscription(Base):
    __tablename__ = "hub_subscription"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    api: Mapped[str] = mapped_column(String(40), index=True)
    callback: Mapped[str] = mapped_column(Text)
    query: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How to deliver: POST to the callback as is, or to {callback}/listener/{eventName}.
    style: Mapped[str] = mapped_column(String(20), default="callback")
    # The signing secret sealed with the configured keys (sealing.py): never stored as the
    # receiver gets it.
    sealed_secret: Mapped[str] = mapped_column(Text, default="")
    # While a secret is rotated, the previous one still signs until this moment.
    previous_sealed_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_in_flight: Mapped[int] = mapped_column(Integer, default=10)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # The key of the credential that registered it (Principal.key); None for hubs older
    # than owners, and for those the operator's own tools register: administrators only.
    owner: Mapped[str | None] = mapped_column(String(80), index=True)


def _check_callback(callback: str) -> None:
    problem = rules.callback_problem(callback)
    if problem is not None:
        raise InvalidInput(problem, field="callback")


def _check_query(api: Api, query: str | None) -> None:
    try:
        criteria = rules.parse_query(query)
    except rules.QueryError as error:
        raise InvalidInput(str(error), field="query") from None
    unknown = sorted(criteria.get("eventType", set()) - EVENT_TYPES[api])
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)} is not an event of this API; events: "
            f"{', '.join(sorted(EVENT_TYPES[api]))}",
            field="query",
        )


async def _one_registration_at_a_time(session: AsyncSession, owner: str) -> None:
    """Make ``owner``'s registrations wait for each other until commit, so two at once
    cannot both count room for one. SQLite already runs one write transaction at a time;
    PostgreSQL takes a lock on the owner's key for the rest of the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        lock_id = func.hashtext(f"hub_subscription owner {owner}")
        await session.execute(select(func.pg_advisory_xact_lock(lock_id)))


async def register(
    session: AsyncSession,
    *,
    api: Api,
    callback: str,
    query: str | None,
    now: datetime,
    box: SecretBox,
    secret: str,
    owner: str | None,
    max_per_owner: int,
    style: str = "callback",
) -> Subscription:
    """Store a subscription signing with ``secret``, sealed (the caller shows it once)."""
    _check_callback(callback)
    _check_query(api, query)
    if owner is not None:
        await _one_registration_at_a_time(session, owner)
        held = await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.owner == owner)
        )
        problem = rules.over_the_cap(int(held or 0), max_per_owner)
        if problem is not None:
            raise Conflict(problem)
    row = Subscription(
        id=str(uuid.uuid4()),
        api=api.value,
        callback=callback,
        query=query or None,
        created_at=now,
        style=style,
        sealed_secret=box.seal(secret),
        max_in_flight=10,
        owner=owner,
    )
    session.add(row)
    return row


async def get(
    session: AsyncSession, *, api: Api, subscription_id: str, caller: HubCaller | None
) -> Subscription:
    """The subscription, if ``caller`` may see it (None: the service itself); another
    caller's is not found, exactly like one that does not exist."""
    row = await session.get(Subscription, subscription_id)
    if row is None or row.api != api.value or (caller is not None and not caller.sees(row.owner)):
        raise NotFound(f"no hub subscription {subscription_id}")
    return row


def visible_to(caller: HubCaller) -> ColumnElement[bool]:
    """The subscriptions ``caller`` sees, as ``HubCaller.sees`` decides for one row."""
    seen = caller.owners_seen()
    if seen is None:
        return true()
    return Subscription.owner.in_(sorted(seen))


def listed(api: Api, caller: HubCaller) -> Select[Any]:
    return select(Subscription).where(Subscription.api == api.value, visible_to(caller))


async def list_for(session: AsyncSession, *, api: Api) -> list[Subscription]:
    rows = await session.scalars(
        select(Subscription).where(Subscription.api == api.value).order_by(Subscription.created_at)
    )
    return list(rows)


async def remove(
    session: AsyncSession, *, api: Api, subscription_id: str, caller: HubCaller | None
) -> None:
    await session.delete(
        await get(session, api=api, subscription_id=subscription_id, caller=caller)
    )


async def reached_by(session: AsyncSession, envelope: dict[str, Any]) -> list[Subscription]:
    """The subscriptions an event would be delivered to: same API, matching query."""
    api = api_of(str(envelope.get("eventType")))
    if api is None:
        return []
    return [
        row
        for row in await list_for(session, api=api)
        if rules.matches(rules.parse_query(row.query), envelope)
    ]
