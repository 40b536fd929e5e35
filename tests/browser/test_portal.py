"""The customer portal in a real browser: the customer opens the link they were sent,
rejects the delivery with a punch list, accepts it once the provider has tested again
(typed name and consent), downloads the certificate; a forged link opens nothing. Every
page is checked with axe-core and photographed for the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from order_completion.commissioning.schemas import CommissioningTestResult
from tests.browser.conftest import LiveApp, accessibility_faults, screenshot
from tests.orders import business_order, passing_test
from tests.portal import issued_path
from tests.support import case_json, open_case, record_test

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def retest(live: LiveApp, case_id: str) -> None:
    """The provider records a passing test run, as an engineer would."""
    result = CommissioningTestResult.model_validate(passing_test())
    live.run(record_test(live.services, case_id, result))


def waiting_case(live: LiveApp, order_id: str) -> tuple[str, str]:
    """A case waiting on its customer's decision, and the path of the link they were sent."""
    case_id = live.run(open_case(live.services, business_order(order_id)))
    retest(live, case_id)
    return case_id, live.run(issued_path(live.services, case_id))


def steps_of(live: LiveApp, case_id: str) -> dict[str, dict[str, Any]]:
    return {step["kind"]: step for step in live.run(case_json(live.services, case_id))["step"]}


def fits_the_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_customer_rejects_then_accepts_and_downloads_the_certificate(
    page: Any, live: LiveApp
) -> None:
    case_id, portal = waiting_case(live, "PORTAL-1")
    page.goto(portal)
    expect(page.get_by_role("heading", name="Your order PORTAL-1")).to_be_visible()
    expect(page.locator("tr[data-test]")).to_have_count(3)
    expect(page.locator("tr[data-test]").first).to_contain_text("Dana Smith")
    expect(page.get_by_role("link", name=re.compile("certificate"))).to_have_count(0)
    assert accessibility_faults(page) == []
    screenshot(page, "portal", full_page=True)

    page.get_by_label("Your full name", exact=True).fill("Dana Smith")
    page.get_by_label("What must be put right").fill("Failover under 5 s\nLabel the rack")
    page.get_by_role("button", name="Reject the delivery").click()
    expect(page.get_by_role("status")).to_contain_text("what must be put right")
    expect(page.locator("#nothing-waits")).to_be_visible()
    expect(page.get_by_role("button", name="Accept the delivery")).to_have_count(0)
    assert steps_of(live, case_id)["commissioningTest"]["state"] == "active"
    assert accessibility_faults(page) == []

    retest(live, case_id)
    page.reload()
    page.get_by_label("Your full name (typed as your signature)").fill("Dana Smith")
    page.get_by_label("I accept the delivery as described on this page").check()
    page.get_by_role("button", name="Accept the delivery").click()
    expect(page.get_by_role("status")).to_contain_text("you accepted the delivery")
    assert steps_of(live, case_id)["acceptance"]["outcome"] == "accepted"
    assert accessibility_faults(page) == []
    screenshot(page, "portal-accepted", full_page=True)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download your acceptance certificate (PDF)").click()
    assert Path(downloading.value.path()).read_bytes().startswith(b"%PDF")


def test_acceptance_needs_the_consent_box_ticked(page: Any, live: LiveApp) -> None:
    case_id, portal = waiting_case(live, "PORTAL-2")
    page.goto(portal)
    page.get_by_label("Your full name (typed as your signature)").fill("Dana Smith")
    page.get_by_role("button", name="Accept the delivery").click()
    consent = page.get_by_label("I accept the delivery as described on this page")
    assert consent.evaluate("box => !box.validity.valid")  # the browser asks for it first
    assert steps_of(live, case_id)["acceptance"]["state"] == "active"


def test_the_page_reads_on_a_phone(page: Any, live: LiveApp) -> None:
    _, portal = waiting_case(live, "PORTAL-3")
    page.set_viewport_size(PHONE)
    page.goto(portal)
    expect(page.get_by_role("button", name="Accept the delivery")).to_be_visible()
    assert fits_the_width(page)
    assert accessibility_faults(page) == []


def test_a_forged_link_is_refused_and_shows_nothing(page: Any, live: LiveApp) -> None:
    case_id, portal = waiting_case(live, "PORTAL-4")
    answer = page.goto(portal[:-3] + ("xyz" if not portal.endswith("xyz") else "abc"))
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("not one we sent")
    content = page.content()
    assert "PORTAL-4" not in content
    assert case_id not in content
    assert "Bloggs" not in content
    assert accessibility_faults(page) == []
    screenshot(page, "portal-refused")


def test_a_refused_booking_keeps_what_was_typed(page: Any, live: LiveApp) -> None:
    """Booking with the end before the start: the page says why and the form keeps the
    times, topics and attendees, so only the end needs correcting."""
    case_id, portal = waiting_case(live, "PORTAL-5")
    page.goto(portal)
    page.get_by_label("Your full name (typed as your signature)").fill("Dana Smith")
    page.get_by_label("I accept the delivery as described on this page").check()
    page.get_by_role("button", name="Accept the delivery").click()
    expect(page.get_by_role("status")).to_contain_text("you accepted the delivery")

    page.get_by_label("Starts (UTC)").fill("2026-12-01T09:00")
    page.get_by_label("Ends (UTC)").fill("2026-12-01T08:00")
    attendees = page.get_by_label("Who will attend (optional, one name a line)")
    attendees.fill("Dana Smith\nSam Lee")
    page.get_by_role("button", name="Book the session").click()
    expect(page.get_by_role("alert")).to_contain_text("scheduledEnd must be after scheduledStart")
    expect(page.get_by_label("Starts (UTC)")).to_have_value("2026-12-01T09:00")
    expect(page.get_by_label("Ends (UTC)")).to_have_value("2026-12-01T08:00")
    expect(attendees).to_have_value("Dana Smith\nSam Lee")
    assert accessibility_faults(page) == []

    page.get_by_label("Ends (UTC)").fill("2026-12-01T11:00")
    page.get_by_role("button", name="Book the session").click()
    expect(page.get_by_role("status")).to_contain_text("The training session is booked")
    expect(page.locator("tr[data-session]")).to_contain_text("Dana Smith, Sam Lee")
    assert steps_of(live, case_id)["training"]["state"] == "active"
