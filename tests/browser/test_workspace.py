"""The workspace in a real browser: signing in, recording tests, refusals, the queues
refreshing by themselves, and the keyboard reaching the main actions; every page checked
with axe-core and photographed for the README."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    LiveApp,
    accessibility_faults,
    record_run,
    screenshot,
    sign_in,
)
from tests.orders import business_order
from tests.support import case_json, open_case
from tests.web import PASSWORD, add_staff

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def staff(live: LiveApp) -> None:
    live.run(add_staff(live.services, "morgan", "admin"))
    live.run(add_staff(live.services, "vic", "viewer"))


def new_case(live: LiveApp, order_id: str) -> str:
    return live.run(open_case(live.services, business_order(order_id)))


def test_sign_in_refuses_a_wrong_password_without_saying_more(page: Any) -> None:
    sign_in(page, "morgan", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("the name or the password is not right")
    expect(page.get_by_label("Password")).to_have_value("")
    assert PASSWORD not in page.content()
    assert accessibility_faults(page) == []
    screenshot(page, "signin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/workspace$"))
    expect(page.get_by_role("heading", name="Workspace")).to_be_visible()


def test_a_failed_then_a_passed_test_recorded_and_shown(page: Any, live: LiveApp) -> None:
    case_id = new_case(live, "BROWSER-1")
    sign_in(page, "morgan")
    page.goto(f"/cases/{case_id}")
    record_run(page, "failed")
    record_run(page, "passed")
    runs = page.locator("tr[data-run-result]")
    expect(runs).to_have_count(2)
    expect(runs.nth(0)).to_contain_text("failed")
    expect(runs.nth(1)).to_contain_text("passed")
    expect(page.locator('[data-step="commissioningTest"]')).to_contain_text("passed")
    assert accessibility_faults(page) == []
    screenshot(page, "case")


def test_a_form_without_its_token_is_refused(page: Any, live: LiveApp) -> None:
    case_id = new_case(live, "BROWSER-2")
    sign_in(page, "morgan")
    page.goto(f"/cases/{case_id}")
    page.evaluate(
        "document.querySelectorAll('input[name=csrf]').forEach((input) => input.remove())"
    )
    page.get_by_role("button", name="Put on hold").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was done")
    assert live.run(case_json(live.services, case_id))["state"] == "active"
    assert accessibility_faults(page) == []
    screenshot(page, "refused")


def test_a_viewer_sees_no_action_and_a_forged_post_is_refused(page: Any, live: LiveApp) -> None:
    case_id = new_case(live, "BROWSER-3")
    sign_in(page, "vic")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Record the test")).to_have_count(0)
    expect(page.get_by_role("button", name="Put on hold")).to_have_count(0)
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    forged = page.request.post(f"/cases/{case_id}/state", form={"csrf": token, "state": "hold"})
    assert forged.status == 403
    assert "vic (viewer) may not do this" in forged.text()
    assert live.run(case_json(live.services, case_id))["state"] == "active"
    assert accessibility_faults(page) == []
    screenshot(page, "case-viewer")


def test_the_queues_refresh_without_a_reload(page: Any, live: LiveApp) -> None:
    sign_in(page, "vic")
    page.goto("/workspace?queue=engineer")
    count = page.locator('[data-queue="engineer"] .count')
    before = int(count.inner_text())
    page.evaluate("window.notReloaded = true")
    new_case(live, "BROWSER-4")
    expect(count).to_have_text(str(before + 1), timeout=10_000)
    expect(page.get_by_role("link", name="BROWSER-4")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert accessibility_faults(page) == []
    screenshot(page, "workspace")


def focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.textContent.trim()"))


def tab_to(page: Any, text: str, most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == text:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{text} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_the_keyboard_reaches_the_main_actions(page: Any, live: LiveApp) -> None:
    new_case(live, "BROWSER-5")
    sign_in(page, "morgan")
    page.goto("/workspace?order=BROWSER-5")
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to main content"
    page.keyboard.press("Enter")
    tab_to(page, "BROWSER-5")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Order BROWSER-5"))).to_be_visible()
    tab_to(page, "Put on hold")
    tab_to(page, "Record the test")
    screenshot(page, "case-keyboard")
