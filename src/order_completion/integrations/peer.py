"""Talking to one peer system over HTTP: its API root, its credentials, and what its
answers mean for a retry.

Credentials are a static bearer token, or OAuth2 client credentials: the access token is
fetched from the identity server, kept until shortly before it expires, and fetched again
once when the peer answers 401.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from order_completion.integrations.errors import PermanentFailure, TransientFailure

# Answers worth another attempt later: the peer is busy, rate-limiting or down.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
# An access token is fetched again this long before it says it expires.
EXPIRY_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class ClientCredentials:
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None


@dataclass
class Credentials:
    """How to authenticate to a peer: nothing, a bearer token, or OAuth2 client
    credentials (the token is fetched with the same HTTP client)."""

    token: str | None = None
    oauth: ClientCredentials | None = None
    _access: str | None = field(default=None, repr=False)
    _expires: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def header(self, client: httpx.AsyncClient, *, renew: bool = False) -> dict[str, str]:
        if self.oauth is None:
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self._lock:
            if renew or self._access is None or time.monotonic() >= self._expires:
                await self._fetch(client, self.oauth)
        return {"Authorization": f"Bearer {self._access}"}

    async def _fetch(self, client: httpx.AsyncClient, oauth: ClientCredentials) -> None:
        form = {"grant_type": "client_credentials"}
        if oauth.scope:
            form["scope"] = oauth.scope
        try:
            answer = await client.post(
                oauth.token_url, data=form, auth=(oauth.client_id, oauth.client_secret)
            )
        except httpx.HTTPError as error:
            raise TransientFailure(f"token endpoint unreachable: {_describe(error)}") from None
        if answer.status_code != 200:
            failure = TransientFailure if answer.status_code in RETRYABLE else PermanentFailure
            raise failure(f"token endpoint answered {answer.status_code}")
        try:
            body = answer.json()
            self._access = str(body["access_token"])
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise PermanentFailure("token endpoint gave no access_token") from None
        self._expires = time.monotonic() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)


def _describe(error: httpx.HTTPError) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _problem(answer: httpx.Response) -> str:
    """The peer's own words for a refusal, when it gave a TMF error or any text."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:300]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or body)[:300]
    return str(body)[:300]


@dataclass
class Peer:
    """One peer API: requests relative to its root, answers as JSON, failures typed."""

    name: str
    root: str
    client: httpx.AsyncClient
    credentials: Credentials = field(default_factory=Credentials)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The answer's JSON body (``None`` when empty) for a 2xx; else a failure saying
        whether another attempt may help. A 401 renews an OAuth2 token once."""
        url = f"{self.root.rstrip('/')}/{path.lstrip('/')}" if path else self.root
        answer = await self._send(method, url, json, params, headers, renew=False)
        if answer.status_code == 401 and self.credentials.oauth is not None:
            answer = await self._send(method, url, json, params, headers, renew=True)
        if 200 <= answer.status_code < 300:
            return answer.json() if answer.content else None
        words = f"{self.name} answered {answer.status_code} to {method} {path}: {_problem(answer)}"
        if answer.status_code in RETRYABLE:
            raise TransientFailure(words)
        raise PermanentFailure(words)

    async def _send(
        self,
        method: str,
        url: str,
        json: Any,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        *,
        renew: bool,
    ) -> httpx.Response:
        auth = await self.credentials.header(self.client, renew=renew)
        try:
            return await self.client.request(
                method, url, json=json, params=params, headers={**auth, **(headers or {})}
            )
        except httpx.HTTPError as error:
            raise TransientFailure(f"{self.name} unreachable: {_describe(error)}") from None
