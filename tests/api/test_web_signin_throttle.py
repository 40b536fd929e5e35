"""Password guessing on the sign-in form is slowed: five failures within fifteen minutes
refuse that name's sign-ins for fifteen minutes (429, Retry-After), the right password
included and an unknown name alike, counted in the database; twenty failures from one
address refuse that address. A success clears the name's count. Attempts are counted before
the password is checked, so a burst of parallel guesses gets no more tries than the limit;
counters whose window and lockout are over are swept by the worker's retention round."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from order_completion.app import create_app
from order_completion.auth import staff as staff_module
from order_completion.auth.tables import SignInFailure
from order_completion.bootstrap import Services
from order_completion.bootstrap.jobs import Retention
from order_completion.clock import FixedClock
from tests.support import count
from tests.web import PASSWORD, add_staff, form_token

THROTTLED = "Not signed in: too many failed sign-ins; try again after"


async def attempt(http: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    token = form_token((await http.get("/signin")).text)
    return await http.post("/signin", data={"csrf": token, "name": name, "password": password})


async def succeed(http: httpx.AsyncClient, name: str) -> None:
    """Signs in, then forgets the session (a browser closed), ready to try again."""
    assert (await attempt(http, name, PASSWORD)).status_code == 303
    http.cookies.clear()


async def fail(http: httpx.AsyncClient, name: str, times: int) -> None:
    for _ in range(times):
        assert (await attempt(http, name, "not the password")).status_code == 401


async def test_five_failures_refuse_even_the_right_password_until_the_lockout_ends(
    services: Services, anonymous: httpx.AsyncClient, clock: FixedClock
) -> None:
    await add_staff(services, "morgan", "orderManager")
    await fail(anonymous, "morgan", 4)
    clock.advance(timedelta(minutes=10))
    await fail(anonymous, "morgan", 1)  # the fifth within the window

    refused = await attempt(anonymous, "morgan", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(15 * 60)
    assert f"{THROTTLED} 2026-11-23 09:25:00 UTC." in refused.text
    assert PASSWORD not in refused.text
    assert (await anonymous.get("/workspace")).status_code == 303  # still signed out

    clock.advance(timedelta(minutes=14, seconds=59))
    still = await attempt(anonymous, "morgan", PASSWORD)
    assert (still.status_code, still.headers["Retry-After"]) == (429, "1")
    clock.advance(timedelta(seconds=1))
    assert (await attempt(anonymous, "morgan", PASSWORD)).status_code == 303
    assert (await anonymous.get("/workspace")).status_code == 200


async def test_failures_outside_the_window_do_not_add_up(
    services: Services, anonymous: httpx.AsyncClient, clock: FixedClock
) -> None:
    await add_staff(services, "morgan", "orderManager")
    await fail(anonymous, "morgan", 4)
    clock.advance(timedelta(minutes=15))
    await fail(anonymous, "morgan", 4)  # a new window: four, not eight
    assert (await attempt(anonymous, "morgan", PASSWORD)).status_code == 303


async def test_a_success_clears_the_count(services: Services, anonymous: httpx.AsyncClient) -> None:
    await add_staff(services, "morgan", "orderManager")
    await fail(anonymous, "morgan", 4)
    await succeed(anonymous, "morgan")
    await fail(anonymous, "morgan", 4)  # four again from nought: not yet refused
    await succeed(anonymous, "morgan")
    await fail(anonymous, "morgan", 5)
    assert (await attempt(anonymous, "morgan", PASSWORD)).status_code == 429


async def test_an_unknown_name_is_throttled_alike_and_no_name_is_kept(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    await add_staff(services, "morgan", "orderManager")
    await fail(anonymous, "morgan", 5)
    await fail(anonymous, "nobody", 5)
    known = await attempt(anonymous, "morgan", PASSWORD)
    unknown = await attempt(anonymous, "nobody", PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert known.text.replace("morgan", "") == unknown.text.replace("nobody", "")
    async with services.db.read() as session:
        keys = list(await session.scalars(select(SignInFailure.key)))
    assert keys
    assert not [key for key in keys if "morgan" in key or "nobody" in key]
    # keyed with the server's secret: a plain digest of a guessed name finds no counter
    plain = {hashlib.sha256(f"name\0{who}".encode()).hexdigest() for who in ("morgan", "nobody")}
    assert plain.isdisjoint(keys)
    # another name is not held back by these
    await add_staff(services, "dana", "viewer")
    assert (await attempt(anonymous, "dana", PASSWORD)).status_code == 303


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry for every password checked from now on."""
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append("verify")
        return verify(self, hash, password)

    monkeypatch.setattr(staff_module.PasswordHasher, "verify", counting)
    return calls


async def test_no_password_is_checked_while_throttled(
    services: Services, anonymous: httpx.AsyncClient, checked: list[str]
) -> None:
    await add_staff(services, "morgan", "orderManager")
    await fail(anonymous, "morgan", 5)
    assert len(checked) == 5
    for name in ("morgan", "morgan"):
        assert (await attempt(anonymous, name, PASSWORD)).status_code == 429
    assert len(checked) == 5
    assert (await attempt(anonymous, "dana", PASSWORD)).status_code == 401
    assert len(checked) == 6


@pytest.fixture
async def elsewhere(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at another address, on the same services."""
    transport = httpx.ASGITransport(app=create_app(services), client=("192.0.2.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_one_address_may_not_spray_many_names(
    services: Services, anonymous: httpx.AsyncClient, elsewhere: httpx.AsyncClient
) -> None:
    await add_staff(services, "morgan", "orderManager")
    for index in range(20):
        await fail(anonymous, f"guess-{index}", 1)
    refused = await attempt(anonymous, "morgan", PASSWORD)
    assert refused.status_code == 429
    assert THROTTLED in refused.text
    # another address signs the same person in: only the spraying address is held back
    assert (await attempt(elsewhere, "morgan", PASSWORD)).status_code == 303
    assert await count(services, SignInFailure) == 21  # twenty names and one address


async def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(
    services: Services, anonymous: httpx.AsyncClient, checked: list[str]
) -> None:
    await add_staff(services, "morgan", "orderManager")
    token = form_token((await anonymous.get("/signin")).text)
    guess = {"csrf": token, "name": "morgan", "password": "not the password"}
    answers = await asyncio.gather(*(anonymous.post("/signin", data=guess) for _ in range(10)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * 5 + [429] * 5
    assert len(checked) == 5
    assert (await attempt(anonymous, "morgan", PASSWORD)).status_code == 429


async def test_the_retention_round_sweeps_counters_whose_window_and_lockout_are_over(
    services: Services, anonymous: httpx.AsyncClient, clock: FixedClock
) -> None:
    await fail(anonymous, "once", 1)
    clock.advance(timedelta(minutes=10))
    await fail(anonymous, "locked", 5)
    clock.advance(timedelta(minutes=10))  # "once": window over; "locked": 5 minutes left
    await Retention(services.db, services.clock, timedelta(days=30)).prune_hourly()
    assert await count(services, SignInFailure) == 1  # "locked"; the address's window is over
    clock.advance(timedelta(minutes=5))
    await Retention(services.db, services.clock, timedelta(days=30)).prune_hourly()
    assert await count(services, SignInFailure) == 0


async def test_right_passwords_do_not_use_up_an_address(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """Each attempt is counted before its password is checked; a right one takes it back,
    so an office behind one address may sign in all day."""
    await add_staff(services, "morgan", "orderManager")
    for index in range(19):
        await fail(anonymous, f"guess-{index}", 1)
    for _ in range(3):
        await succeed(anonymous, "morgan")
    await fail(anonymous, "nobody-else", 1)  # the twentieth failure from this address
    assert (await attempt(anonymous, "morgan", PASSWORD)).status_code == 429
