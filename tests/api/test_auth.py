"""Bearer tokens and roles: who may call what, in the TMF error model."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from order_completion.app import create_app
from order_completion.auth.handlers import TokenCommands
from order_completion.auth.rules import ROLE_PERMISSIONS, Permission, Role
from order_completion.auth.service import Authenticator
from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from order_completion.errors import Unauthenticated
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.settings import Settings
from tests.conftest import token_for
from tests.orders import BASE

CASES = f"{BASE}/completionCase"
ONE = f"{CASES}/some-case"

# Every route and the permission it needs: changing this table is a deliberate decision.
ROUTES: list[tuple[str, str, Permission]] = [
    ("GET", CASES, Permission.READ),
    ("POST", CASES, Permission.OPEN_CASE),
    ("GET", ONE, Permission.READ),
    ("PATCH", ONE, Permission.MANAGE_CASE),
    ("POST", f"{ONE}/commissioningTest", Permission.RECORD_TEST),
    ("POST", f"{ONE}/acceptanceDecision", Permission.RECORD_DECISION),
    ("POST", f"{ONE}/trainingSession", Permission.MANAGE_TRAINING),
    ("GET", f"{ONE}/trainingSession", Permission.READ),
    ("GET", f"{ONE}/trainingSession/s", Permission.READ),
    ("PATCH", f"{ONE}/trainingSession/s", Permission.MANAGE_TRAINING),
    ("POST", f"{ONE}/surveyResponse", Permission.RECORD_SURVEY),
    ("POST", f"{BASE}/listener/productOrderStateChangeEvent", Permission.RECEIVE_EVENTS),
    ("GET", f"{BASE}/policy", Permission.READ),
    ("GET", f"{BASE}/policy/default", Permission.READ),
]
PI = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction"
ROUTES += [
    ("GET", PI, Permission.READ),
    ("POST", PI, Permission.MANAGE_INTERACTIONS),
    ("GET", f"{PI}/i", Permission.READ),
    ("PATCH", f"{PI}/i", Permission.MANAGE_INTERACTIONS),
    ("DELETE", f"{PI}/i", Permission.MANAGE_INTERACTIONS),
]
PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
ROUTES += [
    ("GET", PF, Permission.READ),
    ("POST", PF, Permission.OPEN_CASE),
    ("GET", f"{PF}/f", Permission.READ),
    ("GET", f"{PF}/f/taskFlow", Permission.READ),
    ("GET", f"{PF}/f/taskFlow/t", Permission.READ),
]
AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
ROUTES += [
    ("GET", AP, Permission.READ),
    ("POST", AP, Permission.MANAGE_APPOINTMENTS),
    ("GET", f"{AP}/a", Permission.READ),
    ("PATCH", f"{AP}/a", Permission.MANAGE_APPOINTMENTS),
    ("GET", f"{AP}/a/calendar.ics", Permission.READ),
]
for _api in Api:
    ROUTES += [
        ("POST", f"{BASE_PATHS[_api]}/hub", Permission.MANAGE_HUBS),
        ("GET", f"{BASE_PATHS[_api]}/hub", Permission.READ),
        ("GET", f"{BASE_PATHS[_api]}/hub/h", Permission.READ),
        ("DELETE", f"{BASE_PATHS[_api]}/hub/h", Permission.MANAGE_HUBS),
        ("GET", f"{BASE_PATHS[_api]}/hub/h/delivery", Permission.READ),
        ("GET", f"{BASE_PATHS[_api]}/hub/h/delivery/d", Permission.READ),
        ("POST", f"{BASE_PATHS[_api]}/hub/h/delivery/d/replay", Permission.MANAGE_HUBS),
        ("POST", f"{BASE_PATHS[_api]}/hub/h/replay", Permission.MANAGE_HUBS),
        ("POST", f"{BASE_PATHS[_api]}/hub/h/enable", Permission.MANAGE_HUBS),
        ("POST", f"{BASE_PATHS[_api]}/hub/h/rotateSecret", Permission.MANAGE_HUBS),
    ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_route_but_health_needs_a_token(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    for method, path, _ in ROUTES:
        response = await anonymous.request(method, path, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["reason"] == "Unauthorized"


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer oct_unknown", "Token abc", "Bearer a.b.c"]
)
async def test_malformed_or_unknown_credentials_are_401(
    anonymous: httpx.AsyncClient, header: str
) -> None:
    response = await anonymous.get(CASES, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status"] == "401"


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_may_call_exactly_its_routes(
    anonymous: httpx.AsyncClient, services: Services, role: Role
) -> None:
    headers = bearer(await token_for(services, role.value))
    for method, path, permission in ROUTES:
        response = await anonymous.request(method, path, json={}, headers=headers)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["reason"] == "Forbidden"


async def test_a_revoked_token_is_refused(anonymous: httpx.AsyncClient, services: Services) -> None:
    token = await token_for(services, "viewer")
    assert (await anonymous.get(CASES, headers=bearer(token))).status_code == 200

    tokens = TokenCommands(services.db, services.clock)
    for row in await tokens.list():
        if row.role == "viewer":
            await tokens.revoke(row.name)
    assert (await anonymous.get(CASES, headers=bearer(token))).status_code == 401


def test_tokens_are_stored_only_as_hashes() -> None:
    from order_completion.auth.service import hash_token, new_token

    token = new_token()
    assert token.startswith("oct_")
    assert len(token) > 40
    assert hash_token(token) != token
    assert len(hash_token(token)) == 64


@pytest.fixture
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def jwt_client(
    sqlite_url: str, clock: FixedClock, private_key: rsa.RSAPrivateKey
) -> AsyncIterator[httpx.AsyncClient]:
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = Settings(
        database_url=sqlite_url,
        jwt_key=public_pem,
        jwt_issuer="https://idp.test",
        jwt_audience="order-completion",
    )
    services = build_services(settings, clock=clock)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await services.close()


def signed(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    claims = {
        "sub": "alice",
        "iss": "https://idp.test",
        "aud": "order-completion",
        "exp": int(time.time()) + 300,
        "roles": ["viewer"],
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256")


async def test_a_jwt_from_the_identity_provider_carries_its_roles(
    jwt_client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    token = signed(private_key)
    assert (await jwt_client.get(CASES, headers=bearer(token))).status_code == 200
    refused = await jwt_client.post(CASES, json={}, headers=bearer(token))
    assert refused.status_code == 403
    assert "alice" in refused.json()["message"]
    manager = signed(private_key, roles="orderManager")
    assert (await jwt_client.post(CASES, json={}, headers=bearer(manager))).status_code == 400


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"exp": int(time.time()) - 10}, 401),
        ({"aud": "someone-else"}, 401),
        ({"iss": "https://evil.test"}, 401),
        ({"roles": ["superuser"]}, 403),
        # Only a string or a list of strings is a role claim.
        ({"roles": {"admin": False}}, 401),
        ({"roles": 5}, 401),
        ({"roles": ["viewer", 5]}, 401),
        ({"roles": [["admin"]]}, 401),
    ],
)
async def test_bad_jwts_are_refused(
    jwt_client: httpx.AsyncClient,
    private_key: rsa.RSAPrivateKey,
    overrides: dict[str, Any],
    status: int,
) -> None:
    response = await jwt_client.get(CASES, headers=bearer(signed(private_key, **overrides)))
    assert response.status_code == status


async def test_a_jwt_signed_with_another_key_is_refused(jwt_client: httpx.AsyncClient) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert (await jwt_client.get(CASES, headers=bearer(signed(other)))).status_code == 401


async def test_an_hs256_token_cannot_pass_as_the_rsa_key(
    jwt_client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    """Algorithm confusion: the public key used as an HMAC secret must not work."""
    claims = {
        "sub": "mallory",
        "iss": "https://idp.test",
        "aud": "order-completion",
        "exp": int(time.time()) + 300,
        "roles": ["admin"],
    }
    forged = jwt.encode(claims, "a-shared-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    assert (await jwt_client.get(CASES, headers=bearer(forged))).status_code == 401


async def test_history_names_who_acted(anonymous: httpx.AsyncClient, services: Services) -> None:
    from tests.orders import product_order

    manager = bearer(await token_for(services, "orderManager"))
    case = (
        await anonymous.post(CASES, json={"productOrder": product_order()}, headers=manager)
    ).json()
    history = (await anonymous.get(case["historyHref"], headers=manager)).json()
    (by,) = {entry["detail"].get("by") for entry in history}
    assert by.startswith("orderManager-")


async def test_an_oversized_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CASES, content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["reason"] == "Payload too large"


async def test_the_token_cache_keeps_at_most_its_size(services: Services) -> None:
    """Unknown tokens are remembered briefly (they cost a lookup each), but a caller trying
    thousands of them cannot grow the cache past its size."""
    authenticator = Authenticator(
        services.db, bootstrap_token=None, jwt_config=None, cache_seconds=60, cache_size=100
    )
    for number in range(250):
        with pytest.raises(Unauthenticated):
            await authenticator.authenticate(f"Bearer oct_unknown-{number}")
    assert len(authenticator._cache) == 100
    known = await token_for(services, "viewer")
    assert (await authenticator.authenticate(f"Bearer {known}")).roles == {Role.VIEWER}
    assert len(authenticator._cache) == 100


async def test_a_chunked_body_over_the_limit_is_413_too(client: httpx.AsyncClient) -> None:
    """A body sent without Content-Length is counted as it streams in."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"{"
        for _ in range(40):
            yield b" " * 65_536
        yield b"}"

    response = await client.post(
        CASES, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["reason"] == "Payload too large"
