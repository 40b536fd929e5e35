"""Who is calling: API keys (hashed in the database), one bootstrap token from the settings,
and JWTs from an external identity provider."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.audit import Actor
from order_completion.auth.rules import (
    Permission,
    Role,
    known_roles,
    permissions_of,
    subject_problem,
)
from order_completion.auth.tables import ApiToken
from order_completion.clock import Clock, SystemClock
from order_completion.database import Database
from order_completion.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated

TOKEN_PREFIX = "oct_"
# How exact an API key's last use is: one write a minute per key at most, however many
# requests it serves.
LAST_USE_PRECISION = timedelta(minutes=1)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """The caller: a name for the audit trail and the roles it holds."""

    name: str
    roles: frozenset[Role]
    kind: str  # apiKey, bootstrap or jwt
    # A stable id of the credential, never reused by another caller: an API key's row id,
    # or a digest of a JWT's issuer and subject. Names are for people; this is for keys.
    key: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    @property
    def actor(self) -> Actor:
        """The caller as commands carry it into the history."""
        return Actor(self.name, self.key or None)

    def require(self, *needed: Permission) -> None:
        """Refuse unless the caller holds one of ``needed``."""
        roles = ", ".join(sorted(self.roles)) or "no role"
        demand(self.permissions, *needed, who=f"{self.name} ({roles})")


def demand(
    held: frozenset[Permission], *needed: Permission, who: str | None, field: str | None = None
) -> None:
    """Refuse with 403 unless ``held`` has one of ``needed``: for a handler that learns what
    an action needs from its input or from the row it loaded (a task's kind decides),
    inside its unit of work, so the row checked is the row changed. ``field`` names the
    input that asked for more (``force``), when one did."""
    if not any(permission in held for permission in needed):
        who = who or "this caller"
        raise Forbidden(f"{who} may not do this; it needs {' or '.join(needed)}", field=field)


def hash_token(token: str) -> str:
    """SHA-256 is enough here: tokens are 256 random bits, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def create_token(
    session: AsyncSession, *, name: str, role: str, now: datetime
) -> tuple[ApiToken, str]:
    """Store a new API key; the plain token is returned once and never stored."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(
            f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}", field="role"
        )
    if not name.strip():
        raise InvalidInput("a token needs a name", field="name")
    existing = await session.scalar(select(ApiToken).where(ApiToken.name == name))
    if existing is not None:
        raise Conflict(f"a token named {name!r} already exists")
    token = new_token()
    row = ApiToken(
        id=str(uuid.uuid4()),
        name=name,
        role=role,
        token_hash=hash_token(token),
        created_at=now,
        revoked_at=None,
    )
    session.add(row)
    return row, token


async def revoke_token(session: AsyncSession, *, name_or_id: str, now: datetime) -> ApiToken:
    row = await session.scalar(
        select(ApiToken).where((ApiToken.name == name_or_id) | (ApiToken.id == name_or_id))
    )
    if row is None:
        raise NotFound(f"no token named {name_or_id!r}")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


async def revoke_family(session: AsyncSession, *, family: str, now: datetime) -> int:
    """Revoke every valid key named ``{family}-...``; how many were."""
    revoked = await session.execute(
        update(ApiToken)
        .where(ApiToken.name.startswith(f"{family}-", autoescape=True))
        .where(ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(revoked, "rowcount", 0) or 0)


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.created_at)))


@dataclass(frozen=True)
class JwtConfig:
    """How to trust an external identity provider's tokens."""

    key: str
    issuer: str | None
    audience: str | None
    algorithms: tuple[str, ...]
    role_claim: str


def role_names(claim: Any, claim_name: str) -> list[str]:
    """The role names a JWT's role claim holds: a string, or a list of strings. Anything
    else (an object such as ``{"admin": false}``, a number) is not a role claim, and the
    token is refused rather than read into roles."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list) and all(isinstance(item, str) for item in claim):
        return claim
    if claim is None:
        return []
    raise Unauthenticated(f"the token's {claim_name!r} claim must be a string or a list of strings")


class Authenticator:
    """Turns an ``Authorization`` header into a ``Principal``, or refuses with 401."""

    def __init__(
        self,
        db: Database,
        *,
        bootstrap_token: str | None,
        jwt_config: JwtConfig | None,
        cache_seconds: float = 5.0,
        cache_size: int = 10_000,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self._bootstrap_hash = hash_token(bootstrap_token) if bootstrap_token else None
        self.jwt = jwt_config
        self._cache: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()

    async def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated("send a bearer token: Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        if token.startswith(TOKEN_PREFIX) or self.jwt is None or token.count(".") != 2:
            return await self._api_key(token)
        return self._jwt(token)

    async def _api_key(self, token: str) -> Principal:
        digest = hash_token(token)
        if self._bootstrap_hash and hmac.compare_digest(digest, self._bootstrap_hash):
            return Principal("bootstrap", frozenset({Role.ADMIN}), "bootstrap", "bootstrap")
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            principal = cached[1]
        else:
            principal = await self._lookup(digest)
            self._remember(digest, principal)
        if principal is None:
            raise Unauthenticated("unknown or revoked token")
        return principal

    async def _lookup(self, digest: str) -> Principal | None:
        async with self.db.read() as session:
            row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        await self._note_use(row)
        return Principal(row.name, frozenset(known_roles([row.role])), "apiKey", f"key:{row.id}")

    async def _note_use(self, row: ApiToken) -> None:
        """Remember when the key was last used, to the minute. Only a lookup (a request
        the cache did not answer) notes it, and not more than once a minute, so busy keys
        do not turn reads into writes; a failure to note it refuses no request."""
        now = self.clock.now()
        if row.last_used_at is not None and now - row.last_used_at < LAST_USE_PRECISION:
            return
        try:
            async with self.db.transaction() as session:
                await session.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
                )
        except SQLAlchemyError as error:
            log.warning("auth.last_use_not_noted", token=row.name, error=type(error).__name__)

    def _remember(self, digest: str, principal: Principal | None) -> None:
        """Keep a lookup for ``cache_seconds``, at most ``cache_size`` of them: the oldest
        go first, so tokens nobody holds (a caller trying thousands) cannot grow it."""
        self._cache.pop(digest, None)
        self._cache[digest] = (time.monotonic() + self.cache_seconds, principal)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _jwt(self, token: str) -> Principal:
        assert self.jwt is not None
        try:
            claims = jwt.decode(
                token,
                self.jwt.key,
                algorithms=list(self.jwt.algorithms),
                issuer=self.jwt.issuer,
                audience=self.jwt.audience,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"token refused: {error}") from None
        problem = subject_problem(str(claims["sub"]))
        if problem is not None:
            raise Unauthenticated(problem)
        roles = frozenset(
            known_roles(role_names(claims.get(self.jwt.role_claim), self.jwt.role_claim))
        )
        if not roles:
            raise Forbidden(f"the token's {self.jwt.role_claim!r} claim names no known role")
        subject = f"{claims.get('iss', '')}\n{claims['sub']}"
        key = "jwt:" + hashlib.sha256(subject.encode()).hexdigest()[:40]
        return Principal(str(claims["sub"]), roles, "jwt", key)
