"""Commands on API keys, each in its own transaction: create (the token is returned once),
renew a family of them, revoke, list. The CLI, the demo and the tests use them."""

from __future__ import annotations

from order_completion.auth.service import create_token, list_tokens, revoke_family, revoke_token
from order_completion.auth.tables import ApiToken
from order_completion.clock import Clock
from order_completion.database import Database


class TokenCommands:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def create(self, *, name: str, role: str) -> str:
        """A new API key for ``role``; the token itself is shown only here."""
        async with self.db.transaction() as session:
            _, token = await create_token(session, name=name, role=role, now=self.clock.now())
            return token

    async def renew(self, *, family: str, role: str) -> str:
        """A new API key for ``role`` named ``{family}-{now}``, and every earlier key of the
        family revoked with it: a tool that makes one at each start (the demo) leaves only
        the last one it printed valid."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await revoke_family(session, family=family, now=now)
            name = f"{family}-{now.strftime('%Y%m%d%H%M%S%f')}"
            _, token = await create_token(session, name=name, role=role, now=now)
            return token

    async def revoke(self, name_or_id: str) -> str:
        async with self.db.transaction() as session:
            row = await revoke_token(session, name_or_id=name_or_id, now=self.clock.now())
            return row.name

    async def list(self) -> list[ApiToken]:
        async with self.db.read() as session:
            return await list_tokens(session)
