"""Reissuing the customer's portal link from the case page: the API's own command, the new
URL shown once on the answering page, refused for a viewer, a bad validity or a form
without its token, with nothing issued."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.commissioning.schemas import CommissioningTestResult
from tests.orders import business_order, passing_test
from tests.support import case_json, open_case, record_test
from tests.web import add_staff, sign_in

PORTAL = "http://127.0.0.1:8000"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def waiting_case(services: Services, order_id: str) -> str:
    """A business case whose test passed: it waits for the customer's decision."""
    case_id = await open_case(services, business_order(order_id))
    await record_test(services, case_id, CommissioningTestResult.model_validate(passing_test()))
    return case_id


def shown_link(page: str) -> str:
    """The portal path of the link a page shows in its read-only field."""
    found = re.search(r'id="issued-link-url" type="text" readonly value="([^"]+)"', page)
    assert found is not None, "the page shows no new link"
    url = html.unescape(found.group(1))
    assert url.startswith(f"{PORTAL}/portal/")
    return url.removeprefix(PORTAL)


async def issued(services: Services, case_id: str) -> list[dict[str, object]]:
    history = (await case_json(services, case_id))["history"]
    return [entry["detail"] for entry in history if entry["action"] == "customerLinkIssued"]


async def test_a_manager_reissues_the_link_and_revokes_the_earlier_one(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await waiting_case(services, "LINK-1")
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert f'action="/cases/{case_id}/customer-link"' in page
    assert 'name="validForDays" type="number" min="1" max="90"' in page
    assert 'value="14" required' in page  # the setting's default

    first = await anonymous.post(
        f"/cases/{case_id}/customer-link", data={"csrf": token, "validForDays": "3"}
    )
    assert first.status_code == 200, first.text
    assert "2026-11-26 09:00 UTC" in first.text
    assert '<label for="issued-link-url">' in first.text
    first_link = shown_link(first.text)
    assert "issued-link" not in (await anonymous.get(f"/cases/{case_id}")).text
    assert first_link not in str(anonymous.cookies)

    opened = await anonymous.get(f"{first_link}/case")
    assert opened.status_code == 200, opened.text
    assert opened.json()["id"] == case_id
    assert opened.json()["waitingFor"] == ["acceptanceDecision"]

    second = await anonymous.post(
        f"/cases/{case_id}/customer-link",
        data={"csrf": token, "validForDays": "30", "revokeOthers": "yes"},
    )
    assert second.status_code == 200, second.text
    assert "The links issued before it no longer work." in second.text
    second_link = shown_link(second.text)
    assert second_link != first_link
    assert (await anonymous.get(f"{first_link}/case")).status_code == 403
    assert (await anonymous.get(f"{second_link}/case")).status_code == 200
    details = await issued(services, case_id)
    assert [(d["by"], d["revokedOthers"]) for d in details] == [
        ("morgan", False),
        ("morgan", True),
    ]


async def test_a_viewer_may_not_reissue_and_sees_no_form(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await waiting_case(services, "LINK-2")
    await add_staff(services, "vic", "viewer")
    token = await sign_in(anonymous, "vic")
    assert "customer-link" not in (await anonymous.get(f"/cases/{case_id}")).text
    refused = await anonymous.post(
        f"/cases/{case_id}/customer-link", data={"csrf": token, "validForDays": "3"}
    )
    assert refused.status_code == 403
    assert "vic (viewer) may not do this" in refused.text
    assert "issued-link-url" not in refused.text
    assert await issued(services, case_id) == []


@pytest.mark.parametrize("days", ["0", "91", "two", "1.5"])
async def test_a_bad_validity_is_400_naming_it_and_issues_nothing(
    services: Services, anonymous: httpx.AsyncClient, days: str
) -> None:
    case_id = await waiting_case(services, f"LINK-3-{days}")
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    refused = await anonymous.post(
        f"/cases/{case_id}/customer-link", data={"csrf": token, "validForDays": days}
    )
    assert refused.status_code == 400
    assert "Nothing was changed: validForDays: " in refused.text
    assert "issued-link-url" not in refused.text
    assert await issued(services, case_id) == []


async def test_a_form_without_its_token_issues_nothing(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await waiting_case(services, "LINK-4")
    await add_staff(services, "morgan", "orderManager")
    await sign_in(anonymous, "morgan")
    before = len((await case_json(services, case_id))["history"])
    refused = await anonymous.post(
        f"/cases/{case_id}/customer-link", data={"validForDays": "3", "revokeOthers": "yes"}
    )
    assert refused.status_code == 403
    assert "Nothing was done" in refused.text
    assert "issued-link-url" not in refused.text
    assert len((await case_json(services, case_id))["history"]) == before
    assert await issued(services, case_id) == []
