"""The KPI report in a real browser: reached from the staff navigation, grouped by policy,
its charts loaded as images carried by the page, checked with axe-core and
photographed for the README."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.reports.rules import ChartMetric
from tests.browser.conftest import LiveApp, accessibility_faults, screenshot, sign_in
from tests.orders import business_order, passing_test, product_order
from tests.support import decide, open_case, record_test
from tests.web import add_staff

pytestmark = pytest.mark.browser
ACCEPTED = AcceptanceDecisionRequest.model_validate(
    {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
)


async def _seed(live: LiveApp) -> None:
    services = live.services
    await add_staff(services, "vic", "viewer")
    for order_id in ("REPORT-C1", "REPORT-C2"):
        await open_case(services, product_order(order_id, category="B2C"))
    business = await open_case(services, business_order("REPORT-B1"))
    await record_test(services, business, CommissioningTestResult.model_validate(passing_test()))
    await decide(services, business, ACCEPTED)


@pytest.fixture(scope="module", autouse=True)
def seeded(live: LiveApp) -> None:
    """A viewer, and today (by the live app's clock) two consumer cases deemed accepted as
    they open and a business case tested and accepted."""
    live.run(_seed(live))


def test_the_report_per_policy_with_its_charts(page: Any) -> None:
    sign_in(page, "vic")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report").click()
    expect(page).to_have_url(re.compile(r"/report$"))
    expect(page.get_by_role("heading", name="KPI report")).to_be_visible()
    expect(page.locator('tr[data-group="all"] td[data-figure="cases"]')).to_have_text("3")

    page.get_by_label("Group by").select_option("policy")
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_url(re.compile(r"groupBy=policy"))
    groups = page.locator("tr[data-group]")
    expect(groups).to_have_count(3)
    expect(groups.nth(0).get_by_role("rowheader")).to_have_text("business-managed")
    expect(groups.nth(1).get_by_role("rowheader")).to_have_text("consumer-standard")
    expect(page.locator('nav a[href="/report"]')).to_have_attribute("aria-current", "page")

    charts = page.locator(".charts img")
    expect(charts).to_have_count(len(ChartMetric))
    for index in range(len(ChartMetric)):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_attribute("alt", re.compile(r"^Bar chart: .+, per policy\."))
        page.wait_for_function("(image) => image.complete", arg=chart.element_handle())
        assert chart.evaluate("(image) => image.naturalWidth") > 0
    assert accessibility_faults(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "report")


def test_a_bad_period_shows_the_form_again_naming_the_field(page: Any) -> None:
    sign_in(page, "vic")
    page.goto("/report?from=2026-12-01&to=2026-11-01")
    expect(page.get_by_role("alert")).to_contain_text("to must be after from")
    expect(page.get_by_label("To (not included)")).to_have_attribute("aria-invalid", "true")
    assert accessibility_faults(page) == []
