"""A case's whole completion in a real browser, as the people involved meet it: the order
manager records a failed, then a passed commissioning test; the customer opens the link of
the e-mail the SMTP server received, rejects the delivery with a punch list and, after a
retest, accepts it; the workspace then shows the case completed and the KPI report counts
it. A forged link and a form without its token are refused on the way. Between the two, the
customer books their training, the trainer completes it, and the customer answers the
satisfaction survey. Every page is checked with axe-core."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    VIEWPORT,
    LiveApp,
    accessibility_faults,
    record_run,
    screenshot,
    sign_in,
)
from tests.mailbox import Mailbox, running_mailbox, smtp_settings
from tests.orders import business_order, with_email
from tests.support import case_json, open_case
from tests.web import add_staff

pytestmark = pytest.mark.browser
ORDER = "WALK-1"
CUSTOMER_MAIL = "dana@example.com"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as sink:
        yield sink


@pytest.fixture(scope="module")
def live(
    browser: Any,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    mailbox: tuple[Mailbox, int],
) -> Iterator[LiveApp]:
    """The app of this walk, sending its mail to the test's SMTP server."""
    folder = tmp_path_factory.mktemp("walk")
    database = folder / "order-completion.db"
    shutil.copy(sqlite_template, database)
    app = LiveApp(f"sqlite:///{database}", folder, **smtp_settings(mailbox[1]))
    app.start()
    app.run(add_staff(app.services, "morgan", "admin"))
    yield app
    app.stop()


def portal_link(box: Mailbox, live: LiveApp) -> str:
    """The portal link of the one message the customer received."""
    [received] = [mail.message for mail in box.delivered if CUSTOMER_MAIL in mail.rcpt_tos]
    text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [link] = re.findall(re.escape(live.url) + r"/portal/[\w.-]+", text)
    return str(link)


def state_of(live: LiveApp, case_id: str) -> str:
    return str(live.run(case_json(live.services, case_id))["state"])


def test_the_whole_completion_of_a_case(
    browser: Any, page: Any, live: LiveApp, mailbox: tuple[Mailbox, int]
) -> None:
    case_id = live.run(open_case(live.services, with_email(business_order(ORDER), CUSTOMER_MAIL)))
    live.run(live.services.worker.run_once())  # the worker sends the ready-for-service notice
    link = portal_link(mailbox[0], live)

    # The order manager records a failed, then a passed commissioning test.
    sign_in(page, "morgan")
    page.goto(f"/cases/{case_id}")
    record_run(page, "failed")
    record_run(page, "passed")
    expect(page.locator("tr[data-run-result]")).to_have_count(2)
    assert accessibility_faults(page) == []

    # A form without its token does nothing.
    refused = page.request.post(
        f"/cases/{case_id}/commissioning-test", form={"result": "passed"}, max_redirects=0
    )
    assert refused.status == 403
    assert "Nothing was done" in refused.text()

    # The customer, in a browser of their own, opens the link the e-mail carried.
    customer = browser.new_context(viewport=VIEWPORT)
    portal = customer.new_page()
    portal.goto(link)
    expect(portal.get_by_role("heading", name=f"Your order {ORDER}")).to_be_visible()
    assert accessibility_faults(portal) == []
    portal.get_by_label("Your full name", exact=True).fill("Dana Smith")
    portal.get_by_label("What must be put right").fill("Failover under 5 s\nLabel the rack")
    portal.get_by_role("button", name="Reject the delivery").click()
    expect(portal.get_by_role("status")).to_contain_text("what must be put right")
    assert accessibility_faults(portal) == []

    # A forged link opens nothing.
    forged = portal.goto(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))
    assert forged is not None
    assert forged.status == 403
    assert ORDER not in portal.content()

    # The manager sees the punch list's retest waiting and records it passed.
    page.goto(f"/cases/{case_id}")
    expect(page.locator('[data-step="commissioningTest"]')).to_contain_text("active")
    record_run(page, "passed")

    # The customer comes back through the same link and accepts.
    portal.goto(link)
    portal.get_by_label("Your full name (typed as your signature)").fill("Dana Smith")
    portal.get_by_label("I accept the delivery as described on this page").check()
    portal.get_by_role("button", name="Accept the delivery").click()
    expect(portal.get_by_role("status")).to_contain_text("you accepted the delivery")
    assert accessibility_faults(portal) == []

    # The customer books their training; the trainer, on the case page, completes it.
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    portal.get_by_label("Starts (UTC)").fill(f"{day}T09:00")
    portal.get_by_label("Ends (UTC)").fill(f"{day}T11:00")
    portal.get_by_label("Who will attend (optional, one name a line)").fill("Dana Smith")
    portal.get_by_role("button", name="Book the session").click()
    expect(portal.get_by_role("status")).to_contain_text("The training session is booked")
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Complete the session").click()
    expect(page.get_by_role("status")).to_be_visible()

    # Last, the customer answers the satisfaction survey.
    portal.goto(link)
    portal.get_by_label("9", exact=True).check()
    portal.get_by_label("Anything you would like to tell them (optional)").fill("Smooth")
    assert accessibility_faults(portal) == []
    screenshot(portal, "portal-survey", full_page=True)
    portal.get_by_role("button", name="Send your answer").click()
    expect(portal.get_by_role("status")).to_contain_text("Thank you for your answer")
    customer.close()

    live.run(live.services.worker.run_once())  # the certificate, drawn after the commit
    assert state_of(live, case_id) == "completed"

    # The workspace shows it completed ...
    page.goto("/workspace?queue=all&state=completed")
    row = page.locator("table.cases tbody tr", has_text=ORDER)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("completed")
    assert accessibility_faults(page) == []
    screenshot(page, "workspace-completed")

    # ... and the KPI report counts it, with its one rejection.
    page.get_by_role("link", name="Report").click()
    overall = page.locator('tr[data-group="all"]')
    expect(overall.locator('[data-figure="cases"]')).to_have_attribute("data-value", "1")
    expect(overall.locator('[data-figure="acceptance.explicit"]')).to_have_attribute(
        "data-value", "1"
    )
    expect(overall.locator('[data-figure="firstTimeAcceptanceRate"]')).to_have_attribute(
        "data-value", "0.0"
    )
    expect(overall.locator('[data-figure="satisfaction.mean"]')).to_have_attribute(
        "data-value", "9.0"
    )
    assert accessibility_faults(page) == []
