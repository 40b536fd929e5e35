"""``serve --demo`` prints a customer portal link beside the staff sign-in: a link issued
through the portal's command for the sample case that waits for the customer's decision."""

from __future__ import annotations

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.demo import AWAITING_DECISION, customer_link, load_samples
from tests.support import case_json


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_the_demo_link_opens_the_case_waiting_for_the_customers_decision(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    samples = await load_samples(services)
    case_id = samples.case_ids[AWAITING_DECISION]
    link = await customer_link(services, case_id)

    assert link.startswith(f"{services.portal_url}/portal/")
    opened = await anonymous.get(f"{link.removeprefix(services.portal_url)}/case")
    assert opened.status_code == 200, opened.text
    assert opened.json()["id"] == case_id
    assert opened.json()["waitingFor"] == ["acceptanceDecision"]
    history = (await case_json(services, case_id))["history"]
    assert [e["detail"]["by"] for e in history if e["action"] == "customerLinkIssued"] == ["demo"]

    again = await load_samples(services)  # a later start on the same data
    assert again.created == 0
    assert again.case_ids == samples.case_ids
