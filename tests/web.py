"""Helpers of the web page tests: staff users, and signing in as they would."""

from __future__ import annotations

import re

import httpx

from order_completion.auth.staff import AddStaffUser, StaffCommands
from order_completion.bootstrap import Services

PASSWORD = "correct horse battery staple"


async def add_staff(services: Services, name: str, role: str) -> None:
    """A staff user, added the way ``order-completion user add`` adds one."""
    await StaffCommands(services.db, services.clock).add(AddStaffUser(name, role, PASSWORD))


def form_token(html: str) -> str:
    """The form token of a page (every form of a session carries the same)."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the sign-in form; the form token of the session that follows."""
    page = await http.get("/signin")
    answer = await http.post(
        "/signin", data={"csrf": form_token(page.text), "name": name, "password": password}
    )
    assert answer.status_code == 303, answer.text
    return form_token((await http.get("/workspace")).text)
