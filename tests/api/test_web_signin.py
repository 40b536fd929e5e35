"""Staff sign-in on the web pages: sessions in signed cookies, a form token on every POST."""

from __future__ import annotations

import httpx
import pytest

from order_completion.auth.sessions import SESSION_COOKIE
from order_completion.auth.staff import RemoveStaffUser, StaffCommands
from order_completion.bootstrap import Services
from tests.web import PASSWORD, add_staff, form_token, sign_in


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Sessions live in cookies: one database is enough to show how they behave."""
    return sqlite_url


async def test_the_root_leads_to_the_workspace_and_the_workspace_to_sign_in(
    anonymous: httpx.AsyncClient,
) -> None:
    """``/`` is no 404: it leads to the workspace, which asks a stranger to sign in first."""
    root = await anonymous.get("/")
    assert root.status_code == 303
    assert root.headers["location"] == "/workspace"
    cookie = root.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    workspace = await anonymous.get("/workspace?queue=overdue")
    assert workspace.status_code == 303
    assert workspace.headers["location"] == "/signin?next=/workspace%3Fqueue%3Doverdue"
    page = await anonymous.get("/signin")
    assert page.status_code == 200
    assert '<label for="password">Password</label>' in page.text
    assert "Content-Security-Policy" in page.headers


async def test_a_wrong_password_and_an_unknown_name_are_refused_alike(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """Both are 401 with one message, and the session stays signed out."""
    await add_staff(services, "morgan", "orderManager")
    token = form_token((await anonymous.get("/signin")).text)
    answers = [
        await anonymous.post("/signin", data={"csrf": token, "name": name, "password": password})
        for name, password in [("morgan", "not the password"), ("nobody", PASSWORD)]
    ]
    for answer in answers:
        assert answer.status_code == 401
        assert "Not signed in: the name or the password is not right." in answer.text
        assert PASSWORD not in answer.text
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_a_sign_in_form_without_its_token_is_refused(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """The sign-in form is a form like the others: no token, no sign-in."""
    await add_staff(services, "morgan", "orderManager")
    await anonymous.get("/signin")
    answer = await anonymous.post("/signin", data={"name": "morgan", "password": PASSWORD})
    assert answer.status_code == 403
    assert "Nothing was done" in answer.text
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_signed_in_staff_see_the_workspace_until_they_sign_out(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    page = await anonymous.get("/workspace")
    assert page.status_code == 200
    assert "morgan" in page.text
    assert "Waiting on the customer" in page.text
    out = await anonymous.post("/signout", data={"csrf": token})
    assert out.status_code == 303
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_a_removed_user_is_signed_out_at_their_next_page(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    await add_staff(services, "morgan", "viewer")
    await sign_in(anonymous, "morgan")
    await StaffCommands(services.db, services.clock).remove(RemoveStaffUser("morgan"))
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_a_session_cookie_changed_by_hand_is_not_a_session(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    await add_staff(services, "morgan", "viewer")
    await sign_in(anonymous, "morgan")
    value = anonymous.cookies[SESSION_COOKIE]
    anonymous.cookies.set(SESSION_COOKIE, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert (await anonymous.get("/workspace")).status_code == 303


async def test_api_routes_keep_asking_for_a_bearer_token(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """A signed-in browser's cookie is no credential for the API."""
    await add_staff(services, "morgan", "admin")
    await sign_in(anonymous, "morgan")
    answer = await anonymous.get("/tmf-api/orderCompletion/v1/completionCase")
    assert answer.status_code == 401
