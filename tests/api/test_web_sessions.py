"""A session holds only for the very user who signed in, and only until they sign out:
a cookie of a removed user does not come back to life for someone added later under the
same name, and a copy of a cookie is worth nothing once its session signed out (the ended
session's id is kept on the server until the cookie would have expired anyway)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from order_completion.app import create_app
from order_completion.auth.ended import EndSession, SessionEnds
from order_completion.auth.sessions import SESSION_COOKIE
from order_completion.auth.staff import RemoveStaffUser, StaffCommands
from order_completion.auth.tables import EndedSession
from order_completion.bootstrap import Services
from order_completion.bootstrap.jobs import Retention
from order_completion.clock import FixedClock
from tests.support import count
from tests.web import add_staff, sign_in

Browser = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def browser(services: Services) -> Browser:
    """Another browser on the same services, with cookies of its own."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http

    return opened


def copy_session(source: httpx.AsyncClient, target: httpx.AsyncClient) -> None:
    target.cookies.set(SESSION_COOKIE, source.cookies[SESSION_COOKIE])


async def test_a_removed_users_cookie_does_not_hold_for_a_new_user_of_the_same_name(
    services: Services, anonymous: httpx.AsyncClient, browser: Browser
) -> None:
    staff = StaffCommands(services.db, services.clock)
    await add_staff(services, "victim", "viewer")
    await sign_in(anonymous, "victim")
    async with browser() as kept:
        copy_session(anonymous, kept)
        await staff.remove(RemoveStaffUser("victim"))
        await add_staff(services, "victim", "admin")
        answer = await kept.get("/workspace")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/signin")
        # the new user's own sign-in works, and is a session of their own
        await sign_in(kept, "victim")
        assert (await kept.get("/workspace")).status_code == 200


async def test_a_copied_cookie_is_worth_nothing_once_its_session_signed_out(
    services: Services, anonymous: httpx.AsyncClient, browser: Browser
) -> None:
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    async with browser() as copied, browser() as other:
        copy_session(anonymous, copied)
        await sign_in(other, "morgan")  # the same person on another device
        assert (await copied.get("/workspace")).status_code == 200
        assert (await anonymous.post("/signout", data={"csrf": token})).status_code == 303

        answer = await copied.get("/workspace")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/signin?next=/workspace"
        assert (await other.get("/workspace")).status_code == 200
    assert await count(services, EndedSession) == 1


async def test_ending_one_session_twice_records_it_once(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """Two tabs posting the sign-out of one session at once: neither fails."""
    ends = SessionEnds(services.db, services.clock)
    for _ in range(2):
        await ends.end(EndSession("a-session-id", timedelta(hours=1)))
    assert await ends.ended("a-session-id")
    assert not await ends.ended("another-session-id")
    assert await count(services, EndedSession) == 1


async def test_the_retention_round_forgets_ended_sessions_once_their_cookies_expired(
    services: Services, anonymous: httpx.AsyncClient, clock: FixedClock
) -> None:
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    assert (await anonymous.post("/signout", data={"csrf": token})).status_code == 303
    lifetime = timedelta(hours=services.settings.session_hours)
    clock.advance(lifetime - timedelta(seconds=1))
    await Retention(services.db, services.clock, timedelta(days=30)).prune_hourly()
    assert await count(services, EndedSession) == 1  # a copy could still be presented
    clock.advance(timedelta(seconds=1))
    await Retention(services.db, services.clock, timedelta(days=30)).prune_hourly()
    assert await count(services, EndedSession) == 0
