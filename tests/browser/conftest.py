"""Browser tests: Debian's chromium (``/usr/bin/chromium``, never a downloaded browser)
driven by Playwright against the app served on 127.0.0.1, with axe-core injected into each
page to find accessibility faults.

One browser for the suite, one server for each module; ``make test`` installs chromium
(as root, when missing) and axe-core (npm) first. Without them the suite is skipped saying
which is missing, except under CI, where it fails.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from playwright.sync_api import expect

from order_completion.app import create_app
from order_completion.bootstrap import Services, build_services
from tests.conftest import ADMIN_TOKEN, settings_for, unavailable
from tests.e2e.conftest import free_port
from tests.web import PASSWORD

T = TypeVar("T")
CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / "docs/screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


class LiveApp:
    """The app served by uvicorn on a free port of 127.0.0.1, in a thread of its own with
    its own event loop; ``run`` runs a coroutine there (seeding data through handlers).
    Links it hands out (the customer portal's) point at where it is served; ``extra``
    settings are added to the tests' own (an SMTP server for mail, say)."""

    def __init__(self, database_url: str, folder: Path, **extra: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings_for(
            database_url,
            bootstrap_token=ADMIN_TOKEN,
            workspace_refresh_seconds=1,
            attachment_dir=folder / "attachments",
            public_url=self.url,
            **extra,
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def start(self) -> None:
        self.thread.start()
        self.services: Services = self.run(self._build())
        app = create_app(self.services)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.serving = asyncio.run_coroutine_threadsafe(self.server.serve(), self.loop)
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.02)

    async def _build(self) -> Services:
        return build_services(self.settings)

    def stop(self) -> None:
        self.server.should_exit = True
        self.serving.result(timeout=20)
        self.run(self.services.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="package")
def browser(sqlite_template: Path) -> Iterator[Any]:
    """One browser for every browser test. Playwright's synchronous API keeps an event loop
    marked running on this thread while it is open, so the browser is closed with the
    package (other suites' ``asyncio.run`` would refuse to start meanwhile), and the SQLite
    template every server copies is made before it opens."""
    if not CHROMIUM.exists():
        unavailable(f"browser suite skipped: no chromium at {CHROMIUM} (make test installs it)")
    if not AXE.exists():
        unavailable(f"browser suite skipped: no {AXE.relative_to(ROOT)} (make test runs npm)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live(
    browser: Any, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "order-completion.db"
    shutil.copy(sqlite_template, database)
    app = LiveApp(f"sqlite:///{database}", folder)
    app.start()
    yield app
    app.stop()


@pytest.fixture
def page(browser: Any, live: LiveApp) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, base_url=live.url)
    opened = context.new_page()
    yield opened
    context.close()


def accessibility_faults(page: Any) -> list[str]:
    """What axe-core finds of impact serious or critical on the page as it stands."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{fault['id']} ({fault['impact']}): {fault['help']} at "
        + ", ".join(str(node["target"]) for node in fault["nodes"][:3])
        for fault in found
        if fault["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would (from the site's root)."""
    page.goto("/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


# The tests a business order's commissioning plan names (tests.orders.business_order).
PLAN = ["Throughput (Y.1564)", "Latency", "Failover"]


def record_run(page: Any, result: str) -> None:
    """Record a commissioning run on the open case page as a person would: the run's result,
    each planned test (only Failover fails a failed run) and the witness."""
    page.get_by_label("Failed" if result == "failed" else "Passed", exact=True).check()
    for name in PLAN:
        outcome = result if name == "Failover" else "passed"
        page.get_by_label(name, exact=True).select_option(outcome)
    page.get_by_label(re.compile("^Witnessed by")).fill("Dana Smith")
    page.get_by_role("button", name="Record the test").click()
    expect(page.get_by_role("status")).to_contain_text("The commissioning test was recorded.")
