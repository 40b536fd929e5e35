"""Signing in with an OpenID Connect provider (the authorization-code flow, with PKCE).

The provider is found through its discovery document. The browser goes to the provider
with a random ``state`` and ``nonce`` kept in a short-lived signed cookie; it comes back
with a code that this service exchanges (with its client secret) for an ID token, whose
signature, issuer, audience, expiry and nonce are checked against the provider's keys. The
person's roles come from the claim ``ORDER_COMPLETION_OIDC_ROLE_CLAIM``, read like a JWT's
role claim on the API; someone with no role known here is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from order_completion.auth.rules import known_roles, subject_problem
from order_completion.auth.service import Principal, role_names
from order_completion.errors import Forbidden, ServiceError, Unauthenticated
from order_completion.settings import Settings
from order_completion.web import rules
from order_completion.web.shell import (
    OIDC_KIND,
    PAGE_HEADERS,
    Pages,
    VisitDep,
    page_router,
    pages_of,
)

router = page_router()
START = "/signin/oidc"
CALLBACK = "/signin/oidc/callback"
FLOW_COOKIE = "oc_oidc"
FLOW_SECONDS = 600  # how long the provider's sign-in page may take
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class ProviderUnavailable(ServiceError):
    status = 502
    code = "80"
    reason = "Bad gateway"


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


async def _json(client: httpx.AsyncClient, method: str, url: str, **sent: Any) -> dict[str, Any]:
    try:
        answer = await client.request(method, url, **sent)
        answer.raise_for_status()
        body = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        where = f"{method} {url}"
        raise ProviderUnavailable(
            f"the identity provider did not answer {where}: {error}"
        ) from None
    if not isinstance(body, dict):
        raise ProviderUnavailable("the identity provider answered something other than an object")
    return body


async def discover(client: httpx.AsyncClient, issuer: str) -> Provider:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = await _json(client, "GET", url)
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            f"the discovery document names issuer {document.get('issuer')!r}, not {issuer!r}"
        )
    try:
        return Provider(
            issuer,
            str(document["authorization_endpoint"]),
            str(document["token_endpoint"]),
            str(document["jwks_uri"]),
        )
    except KeyError as missing:
        raise ProviderUnavailable(f"the discovery document has no {missing}") from None


def _flow(pages: Pages) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(list(reversed(pages.keys)), salt="oidc-flow")


def _callback_url(settings: Settings, request: Request) -> str:
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return base + CALLBACK


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@router.get(START)
async def start(visit: VisitDep, next: str | None = None) -> Response:
    """Send the browser to the provider's sign-in page."""
    settings = visit.services.settings
    if not settings.oidc_issuer or not settings.oidc_client_id:
        raise Forbidden("signing in with an identity provider is not configured here")
    async with httpx.AsyncClient(timeout=settings.integration_timeout_seconds) as client:
        provider = await discover(client, settings.oidc_issuer)
    state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": _callback_url(settings, visit.request),
            "scope": settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    pages = pages_of(visit.request)
    response = pages.finish(
        visit, RedirectResponse(f"{provider.authorization_endpoint}?{query}", status_code=303)
    )
    flow = _flow(pages).dumps([state, nonce, verifier, rules.safe_next(next)])
    response.set_cookie(
        FLOW_COOKIE,
        str(flow),
        max_age=FLOW_SECONDS,
        path=CALLBACK,
        httponly=True,
        samesite="lax",
        secure=pages.https or visit.request.url.scheme == "https",
    )
    return response


def _flow_of(pages: Pages, request: Request, state: str | None) -> tuple[str, str, str]:
    """The nonce, PKCE verifier and destination of the flow this browser started, if the
    provider sent back its state."""
    try:
        kept = _flow(pages).loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
        saved_state, nonce, verifier, destination = (str(part) for part in kept)
    except (BadSignature, ValueError, TypeError):
        raise Unauthenticated(
            "the sign-in took too long or did not start here: try again"
        ) from None
    if not state or not secrets.compare_digest(saved_state, state):
        raise Unauthenticated("the provider's answer is not for the sign-in started here")
    return nonce, verifier, destination


@router.get(CALLBACK)
async def callback(
    visit: VisitDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """The provider sends the browser back: exchange the code, check the ID token, sign in."""
    pages = pages_of(visit.request)
    settings = visit.services.settings
    if error:
        raise Unauthenticated(f"the identity provider refused the sign-in ({error[:100]})")
    nonce, verifier, destination = _flow_of(pages, visit.request, state)
    if not code or not settings.oidc_issuer:
        raise Unauthenticated("the identity provider sent no code")
    async with httpx.AsyncClient(timeout=settings.integration_timeout_seconds) as client:
        provider = await discover(client, settings.oidc_issuer)
        claims = await _id_token_claims(client, provider, settings, visit.request, code, verifier)
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise Unauthenticated("the ID token is not for the sign-in started here")
    person = person_of(claims, settings.oidc_role_claim)
    visit.become(
        visit.session.signed_in_as(
            person.name, OIDC_KIND, person.key, tuple(role.value for role in sorted(person.roles))
        ),
        person,
    )
    response = pages.redirect(visit, destination)
    response.delete_cookie(FLOW_COOKIE, path=CALLBACK)
    response.headers.update(PAGE_HEADERS)
    return response


async def _id_token_claims(
    client: httpx.AsyncClient,
    provider: Provider,
    settings: Settings,
    request: Request,
    code: str,
    verifier: str,
) -> dict[str, Any]:
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else ""
    tokens = await _json(
        client,
        "POST",
        provider.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": _callback_url(settings, request),
            "code_verifier": verifier,
        },
        auth=(settings.oidc_client_id or "", secret),
    )
    keys = await _json(client, "GET", provider.jwks_uri)
    token = tokens.get("id_token")
    if not isinstance(token, str):
        raise Unauthenticated("the identity provider gave no ID token")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key_set = jwt.PyJWKSet.from_dict(keys)
        key = next(k for k in key_set.keys if kid is None or k.key_id == kid)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=provider.issuer,
            options={"require": ["exp", "iat", "sub"]},
        )
    except (jwt.PyJWTError, StopIteration) as refused:
        raise Unauthenticated(
            f"the ID token was refused: {refused or 'no key matches it'}"
        ) from None
    return claims


def person_of(claims: dict[str, Any], role_claim: str) -> Principal:
    """Who the ID token names, with the roles of its role claim (403 without one)."""
    subject = str(claims["sub"])
    name = str(claims.get("preferred_username") or claims.get("email") or subject)
    problem = subject_problem(name) or subject_problem(subject)
    if problem:
        raise Unauthenticated(problem)
    roles = frozenset(known_roles(role_names(claims.get(role_claim), role_claim)))
    if not roles:
        raise Forbidden(f"your account's {role_claim!r} claim names no role of this service")
    key = "oidc:" + hashlib.sha256(f"{claims.get('iss', '')}\n{subject}".encode()).hexdigest()[:40]
    return Principal(name, roles, OIDC_KIND, key)
