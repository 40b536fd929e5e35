"""Commands on hubs and their delivery ledgers, each in its own transaction: register and
remove a listener, replay deliveries, re-enable a listener, rotate its secret, and reseal
every secret under the first key.

Each command names its caller (a ``HubCaller``; None for the operator's own tools): a hub
another caller registered is not found, exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events import ledger, signing, subscriptions
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery
from order_completion.events.rules import HubCaller
from order_completion.events.sealing import SecretBox
from order_completion.events.subscriptions import Subscription

# Subscriptions resealed per transaction by ``reseal_all``.
RESEAL_BATCH = 500


@dataclass(frozen=True)
class RotatedSecret:
    secret: str
    previous_valid_until: datetime | None


@dataclass(frozen=True)
class Registered:
    """A new subscription, and its secret as the receiver needs it: shown this once."""

    subscription: Subscription
    secret: str

    @property
    def id(self) -> str:
        return self.subscription.id


class HubCommands:
    """The write side of every hub, for the routes and the CLI."""

    def __init__(self, db: Database, clock: Clock, box: SecretBox, *, max_per_owner: int) -> None:
        self.db = db
        self.clock = clock
        self.box = box
        self.max_per_owner = max_per_owner

    async def register(
        self,
        api: Api,
        *,
        callback: str,
        query: str | None,
        style: str,
        owner: HubCaller | None = None,
    ) -> Registered:
        secret = signing.new_secret()
        async with self.db.transaction() as session:
            row = await subscriptions.register(
                session,
                api=api,
                callback=callback,
                query=query,
                now=self.clock.now(),
                style=style,
                box=self.box,
                secret=secret,
                owner=owner.key if owner is not None else None,
                max_per_owner=self.max_per_owner,
            )
            return Registered(row, secret)

    async def remove(self, api: Api, subscription_id: str, caller: HubCaller | None) -> None:
        async with self.db.transaction() as session:
            await subscriptions.remove(
                session, api=api, subscription_id=subscription_id, caller=caller
            )

    async def replay_one(
        self, api: Api, subscription_id: str, delivery_id: str, caller: HubCaller | None
    ) -> Delivery:
        async with self.db.transaction() as session:
            await subscriptions.get(
                session, api=api, subscription_id=subscription_id, caller=caller
            )
            return await ledger.replay_one(session, subscription_id, delivery_id, self.clock.now())

    async def replay_range(
        self,
        api: Api,
        subscription_id: str,
        start: datetime,
        end: datetime,
        caller: HubCaller | None,
    ) -> int:
        async with self.db.transaction() as session:
            await subscriptions.get(
                session, api=api, subscription_id=subscription_id, caller=caller
            )
            return await ledger.replay_range(session, subscription_id, start, end, self.clock.now())

    async def enable(self, api: Api, subscription_id: str, caller: HubCaller | None) -> None:
        async with self.db.transaction() as session:
            ledger.enable(
                await subscriptions.get(
                    session, api=api, subscription_id=subscription_id, caller=caller
                )
            )

    async def rotate_secret(
        self, api: Api, subscription_id: str, keep_previous: timedelta, caller: HubCaller | None
    ) -> RotatedSecret:
        async with self.db.transaction() as session:
            row = await subscriptions.get(
                session, api=api, subscription_id=subscription_id, caller=caller
            )
            secret = ledger.rotate_secret(row, self.clock.now(), keep_previous, self.box)
            return RotatedSecret(secret, row.previous_secret_until)

    async def count(self) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Subscription)) or 0)

    async def reseal_all(self, advance: Callable[[int], None] = lambda done: None) -> int:
        """Seal every subscription's secrets afresh under the first key, a batch per
        transaction in id order; ``advance`` hears how many each batch did. Safe to run
        again, or after an interruption: a secret already under the first key is sealed
        again under it, and every key still opens what any of them sealed."""
        done = 0
        after = ""
        while True:
            async with self.db.transaction() as session:
                rows = list(
                    await session.scalars(
                        select(Subscription)
                        .where(Subscription.id > after)
                        .order_by(Subscription.id)
                        .limit(RESEAL_BATCH)
                        .with_for_update()
                    )
                )
                for row in rows:
                    row.sealed_secret = self.box.reseal(row.sealed_secret)
                    if row.previous_sealed_secret:
                        row.previous_sealed_secret = self.box.reseal(row.previous_sealed_secret)
            if not rows:
                return done
            done += len(rows)
            after = rows[-1].id
            advance(len(rows))
