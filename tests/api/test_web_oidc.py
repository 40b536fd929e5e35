"""Signing in to the workspace with an OpenID Connect provider (a fake one on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from order_completion.app import create_app
from order_completion.auth.sessions import SESSION_COOKIE
from order_completion.bootstrap import Services
from tests.identity_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider
from tests.web import form_token


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The provider's sign-in writes nothing: one database is enough."""
    return sqlite_url


@pytest.fixture
async def provider() -> AsyncIterator[IdentityProvider]:
    running = IdentityProvider()
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def extra_settings(provider: IdentityProvider) -> dict[str, Any]:
    return {
        "oidc_issuer": provider.url,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_role_claim": "groups",
    }


async def through_the_provider(anonymous: httpx.AsyncClient, start: str) -> httpx.Response:
    """Follow the browser's way: to the provider, and back with its answer."""
    to_provider = await anonymous.get(start)
    assert to_provider.status_code == 303, to_provider.text
    async with httpx.AsyncClient() as browser:
        back = await browser.get(to_provider.headers["location"])
    assert back.status_code == 302
    returned = urlsplit(back.headers["location"])
    return await anonymous.get(f"{returned.path}?{returned.query}")


async def test_a_person_the_provider_signs_in_gets_the_roles_of_its_claim(
    provider: IdentityProvider, anonymous: httpx.AsyncClient
) -> None:
    provider.claims = {"sub": "u-17", "preferred_username": "dana", "groups": ["orderManager"]}
    page = await anonymous.get("/signin")
    assert 'href="/signin/oidc?next=/workspace"' in page.text
    signed_in = await through_the_provider(anonymous, "/signin/oidc?next=/workspace?queue=overdue")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/workspace?queue=overdue"
    workspace = await anonymous.get("/workspace")
    assert workspace.status_code == 200
    assert 'dana <span class="muted">(orderManager)</span>' in workspace.text


async def test_a_person_with_no_role_here_is_refused(
    provider: IdentityProvider, anonymous: httpx.AsyncClient
) -> None:
    provider.claims = {"sub": "u-18", "preferred_username": "sam", "groups": ["accounting"]}
    refused = await through_the_provider(anonymous, "/signin/oidc")
    assert refused.status_code == 403
    assert "claim names no role of this service" in refused.text
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_an_answer_for_a_sign_in_started_elsewhere_is_refused(
    provider: IdentityProvider, anonymous: httpx.AsyncClient
) -> None:
    """A code and state that did not start in this browser (no flow cookie) sign nobody in."""
    provider.claims = {"sub": "u-19", "groups": ["admin"]}
    to_provider = await anonymous.get("/signin/oidc")
    async with httpx.AsyncClient() as attacker:
        back = await attacker.get(to_provider.headers["location"])
    anonymous.cookies.delete("oc_oidc", path="/signin/oidc/callback")
    returned = urlsplit(back.headers["location"])
    answer = await anonymous.get(f"{returned.path}?{returned.query}")
    assert answer.status_code == 401
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_signing_out_ends_a_provider_session_for_every_copy_of_its_cookie(
    provider: IdentityProvider, anonymous: httpx.AsyncClient, services: Services
) -> None:
    provider.claims = {"sub": "u-20", "preferred_username": "dana", "groups": ["viewer"]}
    assert (await through_the_provider(anonymous, "/signin/oidc")).status_code == 303
    token = form_token((await anonymous.get("/workspace")).text)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as copied:
        copied.cookies.set(SESSION_COOKIE, anonymous.cookies[SESSION_COOKIE])
        assert (await copied.get("/workspace")).status_code == 200
        assert (await anonymous.post("/signout", data={"csrf": token})).status_code == 303
        assert (await copied.get("/workspace")).status_code == 303
