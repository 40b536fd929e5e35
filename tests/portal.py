"""Helpers of the customer portal's tests: a case waiting on its customer, a link to it,
and what the customer did through the portal as the interaction log shows it."""

from __future__ import annotations

from typing import Any

import httpx

from order_completion.bootstrap import Services
from order_completion.portal import handlers
from order_completion.portal.api import PORTAL_PATH
from tests.orders import BASE, business_order, passing_test
from tests.support import TESTER

CASES = f"{BASE}/completionCase"
PI = "/tmf-api/partyInteraction/v4/partyInteraction"


async def tested_case(client: httpx.AsyncClient) -> str:
    """A business case whose commissioning test passed: acceptance waits on the customer."""
    opened = await client.post(f"{CASES}", json={"productOrder": business_order()})
    case_id = str(opened.json()["id"])
    await client.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())
    return case_id


async def link_of(client: httpx.AsyncClient, case_id: str, **body: Any) -> str:
    """The portal path (``/portal/<token>``) of a new link of the case."""
    issued = await client.post(f"{CASES}/{case_id}/customerLink", json=body or None)
    assert issued.status_code == 201, issued.text
    url = str(issued.json()["url"])
    assert url.startswith("http://127.0.0.1:8000/portal/")
    return url.removeprefix("http://127.0.0.1:8000")


async def issued_path(services: Services, case_id: str, days: int = 14) -> str:
    """The portal path of a new link of the case, issued through the portal's handler."""
    command = handlers.IssueLink(case_id, TESTER, valid_for_days=days)
    claims = await handlers.issue_link(services.uow(), command)
    return f"{PORTAL_PATH}/{services.portal_signer.sign(claims)}"


async def portal_interactions(client: httpx.AsyncClient, case_id: str) -> list[dict[str, Any]]:
    logged = (await client.get(PI, params={"limit": 100})).json()
    return [
        entry
        for entry in logged
        if entry["interactionItem"][0]["item"]["id"] == case_id
        and any(channel["id"] == "customerPortal" for channel in entry["channel"])
    ]
