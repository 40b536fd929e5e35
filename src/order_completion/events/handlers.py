"""Commands on hubs and their delivery ledgers, each in its own transaction: register and
remove a listener, replay deliveries, re-enable a listener, rotate its secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events import ledger, subscriptions
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery
from order_completion.events.subscriptions import Subscription


@dataclass(frozen=True)
class RotatedSecret:
    secret: str
    previous_valid_until: datetime | None


class HubCommands:
    """The write side of every hub, for the routes and the CLI."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def register(
        self, api: Api, *, callback: str, query: str | None, style: str
    ) -> Subscription:
        async with self.db.transaction() as session:
            return await subscriptions.register(
                session, api=api, callback=callback, query=query, now=self.clock.now(), style=style
            )

    async def remove(self, api: Api, subscription_id: str) -> None:
        async with self.db.transaction() as session:
            await subscriptions.remove(session, api=api, subscription_id=subscription_id)

    async def replay_one(self, api: Api, subscription_id: str, delivery_id: str) -> Delivery:
        async with self.db.transaction() as session:
            await subscriptions.get(session, api=api, subscription_id=subscription_id)
            return await ledger.replay_one(session, subscription_id, delivery_id, self.clock.now())

    async def replay_range(
        self, api: Api, subscription_id: str, start: datetime, end: datetime
    ) -> int:
        async with self.db.transaction() as session:
            await subscriptions.get(session, api=api, subscription_id=subscription_id)
            return await ledger.replay_range(session, subscription_id, start, end, self.clock.now())

    async def enable(self, api: Api, subscription_id: str) -> None:
        async with self.db.transaction() as session:
            ledger.enable(
                await subscriptions.get(session, api=api, subscription_id=subscription_id)
            )

    async def rotate_secret(
        self, api: Api, subscription_id: str, keep_previous: timedelta
    ) -> RotatedSecret:
        async with self.db.transaction() as session:
            row = await subscriptions.get(session, api=api, subscription_id=subscription_id)
            secret = ledger.rotate_secret(row, self.clock.now(), keep_previous)
            return RotatedSecret(secret, row.previous_secret_until)
