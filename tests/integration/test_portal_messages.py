"""The messages that ask the customer to accept carry a link to the customer portal: it
opens their case until a link issued with revokeOthers replaces it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from order_completion.app import create_app
from order_completion.bootstrap import Services
from tests.mailbox import Mailbox, running_mailbox, smtp_settings
from tests.orders import BASE, business_order


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as sink:
        yield sink


@pytest.fixture
def extra_settings(mailbox: tuple[Mailbox, int]) -> dict[str, Any]:
    return {**smtp_settings(mailbox[1]), "public_url": "https://orders.example.com"}


@pytest.fixture
async def customer(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_the_notice_links_to_the_portal_until_a_new_link_revokes_it(
    services: Services,
    client: httpx.AsyncClient,
    customer: httpx.AsyncClient,
    mailbox: tuple[Mailbox, int],
) -> None:
    order = business_order()
    order["relatedParty"][0]["contactMedium"] = [
        {"mediumType": "email", "characteristic": {"emailAddress": "dana@example.com"}}
    ]
    case = (await client.post(f"{BASE}/completionCase", json={"productOrder": order})).json()
    await services.worker.run_once()

    [notice] = [d.message for d in mailbox[0].delivered]
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = notice.get_body(("html",)).get_content()  # type: ignore[union-attr]
    [link] = re.findall(r"https://orders\.example\.com(/portal/[\w.-]+)", text)
    assert f'href="https://orders.example.com{link}"' in html
    opened = await customer.get(f"{link}/case")
    assert opened.status_code == 200, opened.text
    assert opened.json()["id"] == case["id"]

    await client.post(
        f"{BASE}/completionCase/{case['id']}/customerLink", json={"revokeOthers": True}
    )
    revoked = await customer.get(f"{link}/case")
    assert revoked.status_code == 403
    assert "revoked" in revoked.json()["message"]
