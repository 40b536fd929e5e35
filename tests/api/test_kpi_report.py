"""The KPI report over cases the real handlers ran, on both databases, against figures
worked out by hand: cycle times (median and p90 interpolated), acceptance, retests,
on-time completion, training and satisfaction; the CSV export and the SVG charts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx

from order_completion.clock import FixedClock
from order_completion.reports.rules import ChartMetric
from tests.orders import BASE, business_order, failing_test, passing_test, product_order

CASES = f"{BASE}/completionCase"
REPORT = f"{BASE}/report"
PERIOD = {"from": "2026-11-01", "to": "2027-01-01"}
SESSION = {
    "topic": ["Portal administration"],
    "scheduledStart": "2026-11-24T09:00:00Z",
    "scheduledEnd": "2026-11-24T11:00:00Z",
    "attendee": [{"name": "Dana Smith"}],
}
ACCEPT = {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
REJECT = {"decision": "rejected", "decidedBy": {"name": "Dana Smith"}, "reason": "Slow failover"}


async def opened(client: httpx.AsyncClient, order: dict[str, Any]) -> str:
    answer = await client.post(CASES, json={"productOrder": order})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def act(client: httpx.AsyncClient, case_id: str, action: str, body: Any) -> Any:
    answer = await client.post(f"{CASES}/{case_id}/{action}", json=body)
    assert answer.status_code == 201, (action, answer.text)
    return answer.json()


async def four_cases(client: httpx.AsyncClient, clock: FixedClock) -> None:
    """In hours from Monday 23 November 09:00 (the ready-for-service notice goes out when a
    case opens): A (B2B) opens at 0, passes its test at 2, is accepted at 10 (10 h), is
    trained at 20 and scores 9; C (B2C) is deemed accepted as it opens at 0 (0 h); B (B2B)
    opens at 1, fails and passes its test at 3 and is rejected, is retested 15 days later
    (three runs: two retests) and accepted an hour after (361 h), past its 10-business-day
    target; D (B2C) is deemed at 363 (0 h), in December."""
    a = await opened(client, business_order("A"))
    await opened(client, product_order("C", category="B2C"))
    clock.advance(timedelta(hours=1))
    b = await opened(client, business_order("B"))
    clock.advance(timedelta(hours=1))
    await act(client, a, "commissioningTest", passing_test())
    clock.advance(timedelta(hours=1))
    await act(client, b, "commissioningTest", failing_test())
    await act(client, b, "commissioningTest", passing_test())
    await act(client, b, "acceptanceDecision", REJECT)
    clock.advance(timedelta(hours=7))
    await act(client, a, "acceptanceDecision", ACCEPT)
    clock.advance(timedelta(hours=10))
    session = await act(client, a, "trainingSession", SESSION)
    closed = {"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}
    trained = await client.patch(f"{CASES}/{a}/trainingSession/{session['id']}", json=closed)
    assert trained.status_code == 200, trained.text
    await act(client, a, "surveyResponse", {"score": 9})
    clock.advance(timedelta(hours=341))  # 15 days and 1 hour after B opened
    await act(client, b, "commissioningTest", passing_test())
    clock.advance(timedelta(hours=1))
    await act(client, b, "acceptanceDecision", ACCEPT)
    clock.advance(timedelta(hours=1))
    await opened(client, product_order("D", category="B2C"))


def figures(
    cases: int,
    median: float,
    p90: float,
    first_time: float,
    explicit: int,
    retests: tuple[float | None, int],
    on_time: tuple[float | None, int],
    training: tuple[float | None, int],
    satisfaction: tuple[float | None, int],
) -> dict[str, Any]:
    return {
        "cases": cases,
        "cycleTimeHours": {"median": median, "p90": p90, "cases": cases},
        "firstTimeAcceptanceRate": first_time,
        "acceptance": {"explicit": explicit, "deemed": cases - explicit},
        "retestsPerCase": {"mean": retests[0], "cases": retests[1]},
        "onTimeCompletion": {"rate": on_time[0], "cases": on_time[1]},
        "trainingWithinDue": {"rate": training[0], "cases": training[1]},
        "satisfaction": {"mean": satisfaction[0], "count": satisfaction[1]},
    }


NONE = (None, 0)
# Cycle times 0, 0, 10, 361: the median halfway between 0 and 10, the p90 at rank 2.7,
# 70 % of the way from 10 to 361. Retests: A none, B 2. On time: A yes, B no.
OVERALL = figures(4, 5.0, 255.7, 0.75, 2, (1.0, 2), (0.5, 2), (1.0, 1), (9.0, 1))
BUSINESS = figures(2, 185.5, 325.9, 0.5, 2, (1.0, 2), (0.5, 2), (1.0, 1), (9.0, 1))
CONSUMER = figures(2, 0.0, 0.0, 1.0, 0, NONE, NONE, NONE, NONE)
NOVEMBER = figures(2, 5.0, 9.0, 1.0, 1, (0.0, 1), (1.0, 1), (1.0, 1), (9.0, 1))
DECEMBER = figures(2, 180.5, 324.9, 0.5, 1, (2.0, 1), (0.0, 1), NONE, NONE)


async def test_the_figures_are_those_worked_out_by_hand(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    await four_cases(client, clock)

    answer = await client.get(REPORT, params={**PERIOD, "groupBy": "policy"})
    assert answer.status_code == 200, answer.text
    by_policy = answer.json()
    assert by_policy["overall"] == OVERALL
    assert by_policy["group"] == [
        {"key": "business-managed", **BUSINESS},
        {"key": "consumer-standard", **CONSUMER},
    ]
    by_category = (await client.get(REPORT, params={**PERIOD, "groupBy": "category"})).json()
    assert by_category["group"] == [{"key": "B2B", **BUSINESS}, {"key": "B2C", **CONSUMER}]
    by_month = (await client.get(REPORT, params={**PERIOD, "groupBy": "month"})).json()
    assert by_month["group"] == [{"key": "2026-11", **NOVEMBER}, {"key": "2026-12", **DECEMBER}]

    december = (await client.get(REPORT, params={"from": "2026-12-01", "to": "2027-01-01"})).json()
    assert december["overall"] == DECEMBER
    assert december["group"] == []
    assert december["period"] == {"from": "2026-12-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}


async def test_the_report_as_csv_and_as_charts(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    await four_cases(client, clock)
    params = {**PERIOD, "groupBy": "policy"}
    asked = await client.get(REPORT, params=params, headers={"Accept": "text/csv"})
    named = await client.get(REPORT, params={**params, "format": "csv"})
    assert asked.headers["content-type"].startswith("text/csv")
    assert asked.text == named.text
    rows = list(csv.DictReader(io.StringIO(asked.text)))
    assert [row["group"] for row in rows] == ["business-managed", "consumer-standard", "all"]
    assert rows[0]["cycle_time_p90_hours"] == "325.9"
    assert rows[1]["retests_per_case"] == ""
    assert rows[2] | {"group": "all"} == {
        "group": "all",
        "cases": "4",
        "cycle_time_median_hours": "5.0",
        "cycle_time_p90_hours": "255.7",
        "first_time_acceptance_rate": "0.75",
        "explicit_acceptances": "2",
        "deemed_acceptances": "2",
        "retests_per_case": "1.0",
        "on_time_completion_rate": "0.5",
        "on_time_completion_cases": "2",
        "training_within_due_rate": "1.0",
        "training_cases": "1",
        "satisfaction_mean": "9.0",
        "satisfaction_count": "1",
    }

    for metric in ChartMetric:
        chart = await client.get(f"{REPORT}/chart/{metric.value}.svg", params=params)
        assert chart.status_code == 200, (metric, chart.text)
        assert chart.headers["content-type"].startswith("image/svg+xml")
        root = ElementTree.fromstring(chart.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<script" not in chart.content
        assert b"business-managed" in chart.content


async def test_a_bad_period_group_metric_or_format_is_400_naming_it(
    client: httpx.AsyncClient,
) -> None:
    wrong = [
        (REPORT, {"from": "yesterday", "to": "2027-01-01"}, "from"),
        (REPORT, {"from": "2026-01-01", "to": "2026-13-01"}, "to"),
        (REPORT, {"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        (REPORT, {"from": "2000-01-01", "to": "2026-01-01"}, "to"),
        (REPORT, {**PERIOD, "groupBy": "customer"}, "groupBy"),
        (REPORT, {**PERIOD, "format": "xml"}, "format"),
        (REPORT, {"to": "2027-01-01"}, "from"),
        (f"{REPORT}/chart/speed.svg", PERIOD, "metric"),
    ]
    for path, params, field in wrong:
        answer = await client.get(path, params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["field"] == field, (params, answer.json())


async def test_an_empty_period_reports_no_cases(client: httpx.AsyncClient) -> None:
    empty = (await client.get(REPORT, params={**PERIOD, "groupBy": "month"})).json()
    assert empty["overall"] == figures(0, None, None, None, 0, NONE, NONE, NONE, NONE)  # type: ignore[arg-type]
    assert empty["group"] == []


async def test_a_category_that_reads_as_a_formula_stays_text_in_the_csv(
    client: httpx.AsyncClient,
) -> None:
    leads = ["=HYPERLINK(1)", "+1+2", "-2+3", "@SUM(1)", "B2C"]
    for category in leads:
        case_id = await opened(client, product_order(category=category))
        case = (await client.get(f"{CASES}/{case_id}")).json()
        if case["state"] != "completed":  # other categories: the default policy's steps
            await act(client, case_id, "acceptanceDecision", ACCEPT)
    answer = await client.get(REPORT, params={**PERIOD, "groupBy": "category", "format": "csv"})
    assert answer.status_code == 200, answer.text
    groups = {row["group"] for row in csv.DictReader(io.StringIO(answer.text))}
    assert groups == {"'=HYPERLINK(1)", "'+1+2", "'-2+3", "'@SUM(1)", "B2C", "all"}
    as_json = (await client.get(REPORT, params={**PERIOD, "groupBy": "category"})).json()
    assert "=HYPERLINK(1)" in {group["key"] for group in as_json["group"]}  # JSON as it is
