"""Bearer tokens and roles: who may call what, in the TMF error model."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from order_completion.app import create_app
from order_completion.auth.handlers import TokenCommands
from order_completion.auth.rules import ROLE_PERMISSIONS, Permission, Role
from order_completion.auth.service import Authenticator
from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from order_completion.dependencies import allow
from order_completion.errors import Unauthenticated
from order_completion.events.catalog import BASE_PATHS, Api
from tests.conftest import ADMIN_TOKEN, settings_for, token_for
from tests.orders import BASE

CASES = f"{BASE}/completionCase"
ONE = f"{BASE}/completionCase/{{case_id}}"

# Every route, the permission it needs, and what a caller holding it gets when it sends
# ``{}`` to the route with ids that do not exist (read with ``concrete``). Changing this
# table is a deliberate decision; a route missing from it fails the tests below.
ROUTES: dict[tuple[str, str], tuple[Permission | tuple[Permission, ...], int]] = {
    ("GET", CASES): (Permission.READ, 200),
    ("POST", CASES): (Permission.OPEN_CASE, 400),
    ("GET", ONE): (Permission.READ, 404),
    ("PATCH", ONE): (Permission.MANAGE_CASE, 400),
    ("GET", f"{ONE}/history"): (Permission.READ, 404),
    ("POST", f"{ONE}/commissioningTest"): (Permission.RECORD_TEST, 400),
    ("POST", f"{ONE}/acceptanceDecision"): (Permission.RECORD_DECISION, 400),
    ("POST", f"{ONE}/trainingSession"): (Permission.MANAGE_TRAINING, 400),
    ("GET", f"{ONE}/trainingSession"): (Permission.READ, 404),
    ("GET", f"{ONE}/trainingSession/{{session_id}}"): (Permission.READ, 404),
    ("PATCH", f"{ONE}/trainingSession/{{session_id}}"): (Permission.MANAGE_TRAINING, 400),
    ("POST", f"{ONE}/surveyResponse"): (Permission.RECORD_SURVEY, 400),
    ("POST", f"{BASE}/listener/productOrderStateChangeEvent"): (Permission.RECEIVE_EVENTS, 400),
    ("GET", f"{BASE}/policy"): (Permission.READ, 200),
    ("GET", f"{BASE}/policy/{{policy_id}}"): (Permission.READ, 404),
    ("GET", f"{ONE}/certificate.pdf"): (Permission.READ, 404),
    ("POST", f"{ONE}/attachment"): (
        (Permission.RECORD_TEST, Permission.RECORD_DECISION, Permission.MANAGE_CASE),
        400,
    ),
    ("GET", f"{ONE}/attachment"): (Permission.READ, 404),
    ("GET", f"{ONE}/attachment/{{attachment_id}}"): (Permission.READ, 404),
    ("GET", f"{ONE}/attachment/{{attachment_id}}/content"): (Permission.READ, 404),
    ("POST", f"{ONE}/customerUpdate/retry"): (Permission.MANAGE_CASE, 404),
    ("POST", f"{ONE}/customerUpdate/settle"): (Permission.MANAGE_CASE, 400),
    ("POST", f"{ONE}/customerLink"): (Permission.MANAGE_CASE, 404),
    ("GET", f"{BASE}/report"): (Permission.READ, 400),
    ("GET", f"{BASE}/report/chart/{{metric}}.svg"): (Permission.READ, 400),
}
PI = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction"
ROUTES |= {
    ("GET", PI): (Permission.READ, 200),
    ("POST", PI): (Permission.MANAGE_INTERACTIONS, 400),
    ("GET", f"{PI}/{{interaction_id}}"): (Permission.READ, 404),
    ("PATCH", f"{PI}/{{interaction_id}}"): (Permission.MANAGE_INTERACTIONS, 404),
    ("DELETE", f"{PI}/{{interaction_id}}"): (Permission.MANAGE_INTERACTIONS, 404),
}
PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
ROUTES |= {
    ("GET", PF): (Permission.READ, 200),
    ("POST", PF): (Permission.OPEN_CASE, 400),
    ("GET", f"{PF}/{{flow_id}}"): (Permission.READ, 404),
    ("GET", f"{PF}/{{flow_id}}/taskFlow"): (Permission.READ, 404),
    ("GET", f"{PF}/{{flow_id}}/taskFlow/{{task_id}}"): (Permission.READ, 404),
    # Feeding a task needs the permission of its kind (see test_permissions.py); any of
    # them lets the caller as far as the body check.
    ("PATCH", f"{PF}/{{flow_id}}/taskFlow/{{task_id}}"): (
        (Permission.RECORD_DECISION, Permission.RECORD_TEST, Permission.RECORD_SURVEY),
        400,
    ),
}
AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
ROUTES |= {
    ("GET", AP): (Permission.READ, 200),
    # A training appointment also needs manageTraining (see test_permissions.py).
    ("POST", AP): (Permission.MANAGE_APPOINTMENTS, 400),
    ("GET", f"{AP}/{{appointment_id}}"): (Permission.READ, 404),
    ("PATCH", f"{AP}/{{appointment_id}}"): (Permission.MANAGE_APPOINTMENTS, 404),
    ("GET", f"{AP}/{{appointment_id}}/calendar.ics"): (Permission.READ, 404),
}
for _api in Api:
    _HUB = f"{BASE_PATHS[_api]}/hub"
    ROUTES |= {
        ("POST", _HUB): (Permission.MANAGE_HUBS, 400),
        ("GET", _HUB): (Permission.READ, 200),
        ("GET", f"{_HUB}/{{hub_id}}"): (Permission.READ, 404),
        ("DELETE", f"{_HUB}/{{hub_id}}"): (Permission.MANAGE_HUBS, 404),
        ("GET", f"{_HUB}/{{hub_id}}/delivery"): (Permission.READ, 404),
        ("GET", f"{_HUB}/{{hub_id}}/delivery/{{delivery_id}}"): (Permission.READ, 404),
        ("POST", f"{_HUB}/{{hub_id}}/delivery/{{delivery_id}}/replay"): (
            Permission.MANAGE_HUBS,
            404,
        ),
        ("POST", f"{_HUB}/{{hub_id}}/replay"): (Permission.MANAGE_HUBS, 400),
        ("POST", f"{_HUB}/{{hub_id}}/enable"): (Permission.MANAGE_HUBS, 404),
        ("POST", f"{_HUB}/{{hub_id}}/rotateSecret"): (Permission.MANAGE_HUBS, 404),
    }
# Open by default: liveness, readiness and the metrics a scraper reads (metrics_need_token
# closes /metrics, tested with the metrics).
OPEN_ROUTES = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics")}
# The customer portal's routes ask for no bearer token: the link in their path is the
# credential (tests/api/test_customer_portal.py).
LINK = "/portal/{token}"
LINK_ROUTES = {
    ("GET", f"{LINK}/case"),
    ("POST", f"{LINK}/acceptance"),
    ("POST", f"{LINK}/rejection"),
    ("POST", f"{LINK}/trainingSession"),
    ("POST", f"{LINK}/trainingSession/{{session_id}}/moveRequest"),
    ("POST", f"{LINK}/surveyResponse"),
    ("GET", f"{LINK}/certificate.pdf"),
    ("GET", f"{LINK}/document/{{attachment_id}}"),
}


def concrete(template: str) -> str:
    """The route's path with every id one that does not exist."""
    return re.sub(r"\{[^}]+\}", "unknown", template)


def test_the_table_names_every_route_of_the_app(services: Services) -> None:
    """A new route without an entry above fails here, so nobody adds one unchecked."""
    paths = create_app(services).openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert served - OPEN_ROUTES - LINK_ROUTES == set(ROUTES)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_route_but_health_needs_a_token(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    for method, path in ROUTES:
        response = await anonymous.request(method, concrete(path), json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["reason"] == "Unauthorized"


DEEP = b"[" * 10_000
WITH_BODY = [(method, path) for method, path in ROUTES if method in ("POST", "PATCH")]


async def test_a_body_is_not_read_before_the_caller_is_authenticated(
    anonymous: httpx.AsyncClient,
) -> None:
    """Ten thousand nested brackets without a token: 401 on every route that takes a body,
    and nothing logged as an error (the parser never saw it)."""
    with structlog.testing.capture_logs() as logged:
        for method, path in WITH_BODY:
            for headers in ({"content-type": "application/json"}, {}):
                response = await anonymous.request(
                    method, concrete(path), content=DEEP, headers=headers
                )
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["WWW-Authenticate"] == "Bearer"
    assert [entry for entry in logged if entry["log_level"] in ("error", "critical")] == []


async def test_a_body_nested_too_deep_is_400_naming_the_body(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    admin, integration = ADMIN_TOKEN, await token_for(services, Role.INTEGRATION.value)
    for method, path in WITH_BODY:
        token = integration if ROUTES[method, path][0] == Permission.RECEIVE_EVENTS else admin
        for content_type in ("application/json", "application/merge-patch+json"):
            headers = {"content-type": content_type, **bearer(token)}
            response = await anonymous.request(
                method, concrete(path), content=DEEP, headers=headers
            )
            assert response.status_code == 400, (method, path, response.text)
            assert response.json()["field"] == "body"
            assert "nested deeper than" in response.json()["message"]


async def test_a_route_added_after_the_app_was_built_authenticates_before_its_body(
    services: Services,
) -> None:
    """The gate finds routes among the app's own when a request comes, so a router or a
    route added at any time is guarded like the others."""
    app = create_app(services)

    @app.post("/late/{item}", dependencies=allow(Permission.MANAGE_CASE))
    async def late(item: str, body: dict[str, int]) -> dict[str, int]:
        return body

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        refused = await http.post("/late/1", content=DEEP)
        viewer = bearer(await token_for(services, Role.VIEWER.value))
        forbidden = await http.post("/late/1", content=b"not json", headers=viewer)
        taken = await http.post("/late/1", json={"a": 1}, headers=bearer(ADMIN_TOKEN))
    assert (refused.status_code, refused.json()["reason"]) == (401, "Unauthorized")
    assert (forbidden.status_code, forbidden.json()["reason"]) == (403, "Forbidden")
    assert "manageCase" in forbidden.json()["message"]
    assert (taken.status_code, taken.json()) == (200, {"a": 1})


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
    for (method, path), (needed, status) in ROUTES.items():
        response = await anonymous.request(method, concrete(path), json={}, headers=headers)
        any_of = needed if isinstance(needed, tuple) else (needed,)
        if ROLE_PERMISSIONS[role] & set(any_of):
            assert response.status_code == status, (role, method, path, response.text)
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
    settings = settings_for(
        sqlite_url,
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


@pytest.mark.parametrize(
    "subject",
    ["al\ud800ice", "al\nice", "al\x00ice", "a" * 201],
    ids=["lone-surrogate", "newline", "nul", "too-long"],
)
async def test_a_jwt_whose_subject_cannot_name_a_caller_is_401(
    jwt_client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey, subject: str
) -> None:
    """The subject becomes the caller's name in the audit trail and the key of their
    hubs: one that is no printable text of a sane length is refused, not a 500."""
    response = await jwt_client.get(CASES, headers=bearer(signed(private_key, sub=subject)))
    assert response.status_code == 401
    assert "sub" in response.json()["message"]


async def test_a_jwt_subject_of_200_characters_is_accepted(
    jwt_client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    token = signed(private_key, sub="a" * 200)
    assert (await jwt_client.get(CASES, headers=bearer(token))).status_code == 200


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
