"""People who sign in to the web workspace with a name and a password.

Only an Argon2id hash of each password is kept. A sign-in answers the same way, and takes
about as long, whether the name is unknown or the password wrong, so a page that refuses
a sign-in tells nobody which names exist.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from order_completion.auth.rules import Role, known_roles, password_problem, staff_name_problem
from order_completion.auth.service import Principal
from order_completion.auth.tables import StaffUser
from order_completion.auth.throttle import SignInThrottle
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import Conflict, InvalidInput, NotFound, Unauthenticated

STAFF_KIND = "staff"


def password_hasher() -> PasswordHasher:
    """Argon2id with OWASP's recommended cost (19 MiB, two passes, one lane): about a tenth
    of a second per sign-in on a small server, where the library's default takes half a
    second and four lanes of a two-core machine. Hashes keep their own parameters, so
    passwords hashed at another cost are still checked."""
    return PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


REFUSED = "the name or the password is not right"


@dataclass(frozen=True)
class AddStaffUser:
    name: str
    role: str
    password: str


@dataclass(frozen=True)
class RemoveStaffUser:
    name: str


@functools.cache
def decoy_hash() -> str:
    """What an unknown name's password is checked against, so that refusing it costs what
    refusing a known name's wrong password does (made once per process)."""
    return password_hasher().hash(secrets.token_urlsafe(16))


def staff_principal(row: StaffUser) -> Principal:
    """The person as every command carries them: their name and their role."""
    return Principal(row.name, frozenset(known_roles([row.role])), STAFF_KIND, f"staff:{row.id}")


class StaffCommands:
    """Add, remove and list staff users, each in its own transaction; check a sign-in."""

    def __init__(self, db: Database, clock: Clock, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher or password_hasher()

    async def add(self, cmd: AddStaffUser) -> StaffUser:
        problem = staff_name_problem(cmd.name)
        if problem:
            raise InvalidInput(problem, field="name")
        if cmd.role not in {role.value for role in Role}:
            roles = ", ".join(role.value for role in Role)
            raise InvalidInput(f"unknown role {cmd.role!r}; roles: {roles}", field="role")
        problem = password_problem(cmd.password)
        if problem:
            raise InvalidInput(problem, field="password")
        password_hash = self.hasher.hash(cmd.password)
        async with self.db.transaction() as session:
            if await session.scalar(select(StaffUser.id).where(StaffUser.name == cmd.name)):
                raise Conflict(f"a user named {cmd.name!r} already exists")
            row = StaffUser(
                id=str(uuid.uuid4()),
                name=cmd.name,
                role=cmd.role,
                password_hash=password_hash,
                created_at=self.clock.now(),
            )
            session.add(row)
        return row

    async def remove(self, cmd: RemoveStaffUser) -> str:
        """Remove a user; their open sessions end at their next request."""
        async with self.db.transaction() as session:
            done = await session.execute(delete(StaffUser).where(StaffUser.name == cmd.name))
            if not getattr(done, "rowcount", 0):
                raise NotFound(f"no user named {cmd.name!r}")
        return cmd.name

    async def list(self) -> list[StaffUser]:
        async with self.db.read() as session:
            return list(await session.scalars(select(StaffUser).order_by(StaffUser.name)))

    async def find(self, name: str) -> Principal | None:
        """The user as they are now (a removed user is None; a changed role applies)."""
        async with self.db.read() as session:
            row = await session.scalar(select(StaffUser).where(StaffUser.name == name))
        return staff_principal(row) if row is not None else None

    def _verified(self, stored: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False

    async def sign_in(
        self, name: str, password: str, address: str | None = None, *, counter_secret: bytes
    ) -> Principal:
        """The user whose name and password these are; ``Unauthenticated`` otherwise, with
        one message for an unknown name and a wrong password alike. The attempt is counted
        against the name and the client ``address`` before any password is checked; while
        either has failed too often, ``SignInThrottled`` (429) instead, for a known name and
        an unknown one alike. ``counter_secret`` keys the counters' digests."""
        throttle = SignInThrottle(self.db, self.clock, counter_secret)
        await throttle.attempt(name, address)
        async with self.db.read() as session:
            row = await session.scalar(select(StaffUser).where(StaffUser.name == name))
        stored = row.password_hash if row else decoy_hash()
        # Argon2 takes a tenth of a second of CPU by design: in a thread, so the other
        # requests of this process are served meanwhile.
        right = await asyncio.to_thread(self._verified, stored, password)
        if row is None or not right:
            raise Unauthenticated(REFUSED)
        await throttle.succeeded(name, address)
        return staff_principal(row)
