"""The KPI report page over HTTP: the API's figures for the same period in an accessible
table, its charts and CSV served to the signed-in staff only, and bad input shown as the
page again with a 400 naming the field."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.reports.rules import ChartMetric
from tests.conftest import ADMIN_TOKEN
from tests.orders import BASE, business_order, failing_test, passing_test, product_order
from tests.support import decide, open_case, record_test
from tests.web import add_staff, sign_in

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PERIOD = {"from": "2026-11-01", "to": "2026-12-01"}


def decision(kind: str, **extra: str) -> AcceptanceDecisionRequest:
    return AcceptanceDecisionRequest.model_validate(
        {"decision": kind, "decidedBy": {"name": "Dana Smith"}, **extra}
    )


async def three_cases(services: Services, clock: FixedClock) -> None:
    """Opened together on Monday 23 November 09:00: a consumer case deemed accepted as it
    opens (0 h); a business case tested and accepted two hours later (2 h); a business case
    that fails, passes, is rejected, passes again and is accepted at five hours (5 h, two
    retests, not accepted first time)."""
    await open_case(services, product_order("R-C", category="B2C"))
    quick = await open_case(services, business_order("R-B1"))
    slow = await open_case(services, business_order("R-B2"))
    passed = CommissioningTestResult.model_validate(passing_test())
    await record_test(services, slow, CommissioningTestResult.model_validate(failing_test()))
    await record_test(services, slow, passed)
    await decide(services, slow, decision("rejected", reason="Failover slow"))
    clock.advance(timedelta(hours=2))
    await record_test(services, quick, passed)
    await decide(services, quick, decision("accepted"))
    clock.advance(timedelta(hours=3))
    await record_test(services, slow, passed)
    await decide(services, slow, decision("accepted"))


class Table(HTMLParser):
    """The report table's lines: per ``data-group``, each cell's figure, value and text."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, dict[str, tuple[str, str]]] = {}
        self.group: str | None = None
        self.cell: tuple[str, str] | None = None
        self.text: list[str] = []
        self.headers: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "tr" and "data-group" in given:
            self.group = str(given["data-group"])
            self.lines[self.group] = {}
        elif tag == "td" and self.group is not None:
            self.cell, self.text = (str(given["data-figure"]), str(given["data-value"])), []
        elif tag == "th":
            self.headers.append(given)

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.group is not None:
            figure, value = self.cell
            self.lines[self.group][figure] = (value, " ".join("".join(self.text).split()))
            self.cell = None
        elif tag == "tr":
            self.group = None


def table_of(html: str) -> Table:
    table = Table()
    table.feed(html)
    return table


def figure(figures: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        figures = figures[part]
    return figures


async def api_report(http: httpx.AsyncClient, params: dict[str, str]) -> dict[str, Any]:
    answer = await http.get(f"{BASE}/report", params=params, headers=API)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.fixture
async def viewer(services: Services, anonymous: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, signed in as a viewer (the least role that may read the report)."""
    await add_staff(services, "vic", "viewer")
    await sign_in(anonymous, "vic")
    return anonymous


async def test_the_page_shows_the_apis_figures_one_line_per_group(
    services: Services, clock: FixedClock, viewer: httpx.AsyncClient
) -> None:
    await three_cases(services, clock)
    for grouping in ({}, {"groupBy": "policy"}):
        params = {**PERIOD, **grouping}
        page = await viewer.get("/report", params=params)
        assert page.status_code == 200, page.text
        expected = await api_report(viewer, params)
        by_key = {group["key"]: group for group in expected["group"]} | {"all": expected["overall"]}
        lines = table_of(page.text).lines
        assert list(lines) == [*(group["key"] for group in expected["group"]), "all"]
        for key, cells in lines.items():
            assert len(cells) == 10
            for path, (value, _) in cells.items():
                wanted = figure(by_key[key], path)
                assert (float(value) if value else None) == wanted, (key, path)

    assert list(lines) == ["business-managed", "consumer-standard", "all"]
    overall = lines["all"]
    assert overall["cases"][1] == "3"
    assert overall["cycleTimeHours.median"][1] == "2.0"
    assert overall["cycleTimeHours.p90"][1] == "4.4"  # 2 + 0.8 x (5 - 2)
    assert overall["firstTimeAcceptanceRate"][1] == "66.7%"
    assert (overall["acceptance.explicit"][1], overall["acceptance.deemed"][1]) == ("2", "1")
    assert overall["retestsPerCase.mean"][1] == "1.00 (n = 2)"
    nothing = ("", "\N{EN DASH}none (n = 0)")  # the dash is hidden from screen readers
    assert overall["satisfaction.mean"] == nothing
    assert lines["consumer-standard"]["retestsPerCase.mean"] == nothing


async def test_the_table_is_described_for_assistive_technology(
    services: Services, clock: FixedClock, viewer: httpx.AsyncClient
) -> None:
    await three_cases(services, clock)
    page = (await viewer.get("/report", params={**PERIOD, "groupBy": "category"})).text
    caption = "Completion KPIs, per order category, 2026-11-01 to 2026-12-01"
    assert f'<caption id="figures-caption">{caption}</caption>' in page
    headers = table_of(page).headers
    assert [header["scope"] for header in headers[:11]] == ["col"] * 11
    assert [header["scope"] for header in headers[11:]] == ["row"] * 3  # B2B, B2C, all
    for unit in ("(hours)", "(%)", "(cases)", "(score 0-10)"):
        assert f"{unit}</th>" in page
    assert re.search(r'<a href="/report"\s+aria-current="page">Report</a>', page)
    workspace = (await viewer.get("/workspace")).text
    assert '<a href="/report">Report</a>' in workspace


async def test_without_a_period_the_last_30_days_ending_today(
    services: Services, clock: FixedClock, viewer: httpx.AsyncClient
) -> None:
    """The clock says Monday 23 November (plus five hours): the form shows 25 October to
    24 November (not included), so today's acceptances count."""
    await three_cases(services, clock)
    page = await viewer.get("/report")
    assert page.status_code == 200
    assert 'name="from" type="date" value="2026-10-25"' in page.text
    assert 'name="to" type="date" value="2026-11-24"' in page.text
    assert table_of(page.text).lines["all"]["cases"] == ("3", "3")
    assert 'href="/report.csv?from=2026-10-25&amp;to=2026-11-24"' in page.text


async def test_bad_input_is_the_page_again_with_a_400_naming_the_field(
    viewer: httpx.AsyncClient,
) -> None:
    wrong = [
        ({"from": "yesterday", "to": "2026-12-01"}, "from", "from must be a date or a date-time"),
        ({"from": "2026-11-01", "to": "2026-13-01"}, "to", "to must be a date or a date-time"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "to", "to must be after from"),
        ({**PERIOD, "groupBy": "customer"}, "groupBy", "groupBy must be one of policy"),
        ({"from": "", "to": "2026-12-01"}, "from", "from must be a date or a date-time"),
    ]
    for params, field, message in wrong:
        page = await viewer.get("/report", params=params)
        assert page.status_code == 400, params
        assert f"<strong>{field}</strong>: {message}" in page.text, params
        assert "aria-invalid" in page.text
        assert '<form method="get" action="/report"' in page.text
        assert "<table" not in page.text
        assert "data:image/svg+xml" not in page.text
        api = await viewer.get(f"{BASE}/report", params=params, headers=API)
        assert (api.status_code, api.json()["field"]) == (400, field)


async def test_the_charts_are_svg_images_without_scripts_drawn_from_the_pages_report(
    services: Services, clock: FixedClock, viewer: httpx.AsyncClient
) -> None:
    await three_cases(services, clock)
    params = {**PERIOD, "groupBy": "policy"}
    page = (await viewer.get("/report", params=params)).text
    sources = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert len(sources) == len(ChartMetric)
    assert all(alt.startswith("Bar chart: ") and "per policy" in alt for _, alt in sources)
    for encoded, _ in sources:
        chart = base64.b64decode(encoded)
        assert ElementTree.fromstring(chart).tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<script" not in chart
        assert b"business-managed" in chart


async def test_the_csv_is_the_apis(
    services: Services, clock: FixedClock, viewer: httpx.AsyncClient
) -> None:
    await three_cases(services, clock)
    params = {**PERIOD, "groupBy": "policy"}
    download = await viewer.get("/report.csv", params=params)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="completion-kpis.csv"'
    api = await viewer.get(f"{BASE}/report", params={**params, "format": "csv"}, headers=API)
    assert download.text == api.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [row["group"] for row in rows] == ["business-managed", "consumer-standard", "all"]
    assert (rows[2]["cases"], rows[2]["first_time_acceptance_rate"]) == ("3", "0.6667")
    wrong = await viewer.get("/report.csv", params={**PERIOD, "groupBy": "customer"})
    assert wrong.status_code == 400
    assert "groupBy must be one of" in wrong.text


async def test_signed_out_the_page_leads_to_sign_in_and_nothing_is_served(
    services: Services, clock: FixedClock, anonymous: httpx.AsyncClient
) -> None:
    await three_cases(services, clock)
    page = await anonymous.get("/report", params={**PERIOD, "groupBy": "policy"})
    assert page.status_code == 303
    assert page.headers["location"] == (
        "/signin?next=/report%3Ffrom%3D2026-11-01%26to%3D2026-12-01%26groupBy%3Dpolicy"
    )
    for path in ("/report.csv",):
        for headers in ({}, API):  # a bearer token is no credential for a page
            refused = await anonymous.get(path, params=PERIOD, headers=headers)
            assert refused.status_code == 303, path
            assert refused.headers["location"].startswith("/signin?next=/report")
            assert "text/csv" not in refused.headers.get("content-type", "")
            assert "svg" not in refused.headers.get("content-type", "")
            assert b"consumer-standard" not in refused.content
