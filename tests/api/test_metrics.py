"""GET /metrics: request series by route template, the work in flight read from the
database, and the attempts and inbound events this process handled."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from order_completion.app import create_app
from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.timers.tables import Timer
from tests.api.test_listener_api import LISTENER, event
from tests.conftest import token_for
from tests.integration.test_delivery import deliveries, drain, subscribe
from tests.logged import captured_logs
from tests.orders import BASE, product_order
from tests.receiver import Receiver
from tests.support import open_case

Labels = frozenset[tuple[str, str]]


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, Labels], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, Labels], float], name: str, **labels: str) -> float:
    return samples[(f"order_completion_{name}", frozenset(labels.items()))]


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    for case_id in ("one", "two"):
        assert (await client.get(f"{BASE}/completionCase/{case_id}")).status_code == 404
    assert (await client.get("/no/such/path")).status_code == 404
    samples = await scrape(client)
    route = f"{BASE}/completionCase/{{case_id}}"
    assert value(samples, "http_requests_total", method="GET", route=route, status="404") == 2
    assert value(samples, "http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert value(samples, "http_request_duration_seconds_count", method="GET", route=route) == 2
    assert (
        value(samples, "http_request_duration_seconds_bucket", method="GET", route=route, le="+Inf")
        == 2
    )


async def test_cases_steps_jeopardy_and_backlog_after_opening_two_cases(
    client: httpx.AsyncClient, services: Services
) -> None:
    await open_case(services, product_order())  # B2C: its steps all finish at once
    await open_case(services, product_order(category="B2B"))  # waits for the engineer's test
    samples = await scrape(client)
    assert value(samples, "cases", state="active") == 1
    assert value(samples, "cases", state="completed") == 1
    assert value(samples, "open_cases_jeopardy", jeopardy="none") == 1
    assert value(samples, "open_cases_jeopardy", jeopardy="breach") == 0
    assert value(samples, "steps_waiting", kind="commissioningTest", waiting_on="engineer") == 1
    assert value(samples, "steps_waiting", kind="acceptance", waiting_on="customer") == 0
    async with services.db.read() as session:
        written = await session.scalar(select(func.count()).select_from(Timer))
    assert value(samples, "timers_pending") == written
    assert value(samples, "outbox_backlog_events") > 0
    await drain(services)
    assert value(await scrape(client), "outbox_backlog_events") == 0


async def test_timer_lag_is_the_oldest_overdue_due_time_against_now(
    client: httpx.AsyncClient, services: Services, clock: FixedClock
) -> None:
    await open_case(services, product_order(category="B2B"))
    async with services.db.read() as session:
        first_due = await session.scalar(select(func.min(Timer.due_at)))
    assert first_due is not None
    assert value(await scrape(client), "timer_lag_seconds") == 0
    clock.set(first_due + timedelta(seconds=90))
    samples = await scrape(client)
    assert value(samples, "timer_lag_seconds") == 90
    assert value(samples, "timers_overdue") >= 1


async def test_inbound_events_are_counted_by_result(
    client: httpx.AsyncClient, integration: dict[str, str]
) -> None:
    order = product_order()
    sent = [(event_id, order) for event_id in ("EV-1", "EV-1", "EV-2")]
    sent.append(("EV-3", product_order(state="inProgress")))
    answers = []
    for event_id, body in sent:
        response = await client.post(LISTENER, headers=integration, json=event(event_id, body))
        answers.append((response.status_code, response.json()["result"]))
    assert answers == [
        (201, "caseCreated"),
        (200, "duplicate"),
        (201, "existingCase"),
        (201, "ignored"),
    ]
    samples = await scrape(client)
    assert value(samples, "inbound_events_total", result="caseCreated") == 1
    assert value(samples, "inbound_events_total", result="duplicate") == 1
    assert value(samples, "inbound_events_total", result="existingCase") == 1
    assert value(samples, "inbound_events_total", result="ignored") == 1


async def test_refused_deliveries_are_counted_logged_and_measured(
    client: httpx.AsyncClient, services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    subscription = await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(503)
    await open_case(services, product_order())
    with captured_logs() as lines:
        await drain(services)
    (refused,) = lines.events("delivery.attempt_refused")
    assert refused["level"] == "warning"
    assert (refused["subscription_id"], refused["status"]) == (subscription.id, 503)
    samples = await scrape(client)
    assert value(samples, "delivery_attempts_total", verdict="retry") == 1
    assert value(samples, "delivery_attempts_total", verdict="delivered") == 0
    assert value(samples, "deliveries", status="pending") == 1
    assert value(samples, "delivery_lag_seconds") == 0
    (delivery,) = await deliveries(services)
    assert delivery.next_attempt_at is not None
    clock.set(delivery.next_attempt_at + timedelta(seconds=60))
    assert value(await scrape(client), "delivery_lag_seconds") == 60


async def test_each_app_has_its_own_registry(services: Services, client: httpx.AsyncClient) -> None:
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(services)), base_url="http://testserver"
    )
    route = f"{BASE}/completionCase/{{case_id}}"
    async with other:
        await client.get(f"{BASE}/completionCase/x")
        assert (
            value(
                await scrape(client), "http_requests_total", method="GET", route=route, status="404"
            )
            == 1
        )
        series = ("order_completion_http_requests_total", _labels(route))
        assert series not in await scrape(other)


def _labels(route: str) -> Labels:
    return frozenset({"method": "GET", "route": route, "status": "404"}.items())


async def test_metrics_are_open_by_default(anonymous: httpx.AsyncClient) -> None:
    """Without a token the scrape is the whole exposition, families and all."""
    samples = await scrape(anonymous)
    assert value(samples, "cases", state="active") == 0
    assert value(samples, "steps_waiting", kind="acceptance", waiting_on="customer") == 0


@pytest.mark.parametrize("extra_settings", [{"metrics_need_token": True}])
async def test_metrics_need_a_token_when_the_setting_says_so(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    refused = await anonymous.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["reason"] == "Unauthorized"
    viewer = await token_for(services, "viewer")
    allowed = await anonymous.get("/metrics", headers={"Authorization": f"Bearer {viewer}"})
    assert allowed.status_code == 200


async def test_unknown_methods_share_one_label(client: httpx.AsyncClient) -> None:
    """Any token is an HTTP method: each new one must not add a series."""
    for method in ("BREW", "WHEN"):
        assert (await client.request(method, "/health")).status_code == 405
    samples = await scrape(client)
    assert value(samples, "http_requests_total", method="other", route="/health", status="405") == 2
