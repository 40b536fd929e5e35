"""Prometheus metrics of one app, in a registry of its own (several apps in one process,
as in the tests, never share series).

Request series are counted as requests finish; the work in flight is read from the
database at scrape time (``snapshot.py``); attempts and inbound events are counted by the
sender and the intake of this process, so they restart from zero with it, as Prometheus
counters may.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from order_completion.cases.rules import WAITER_OF, CaseState, Jeopardy, StepKind, Waiter
from order_completion.events.deliveries import DeliveryStatus
from order_completion.events.retry import Verdict
from order_completion.operations.snapshot import Snapshot
from order_completion.orders.handlers import IntakeOutcome

PREFIX = "order_completion"


@dataclass
class Tallies:
    """Counts kept by this process's sender and intake, read at scrape time."""

    delivery_verdicts: Mapping[str, int]
    inbound_results: Mapping[str, int]


class Metrics:
    """The registry of one app and the request series its middleware feeds."""

    def __init__(self, tallies: Tallies) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            f"{PREFIX}_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            registry=self.registry,
        )
        # Routes are templates and unmatched paths share one label, so this stays small.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.work = WorkCollector(tallies)
        self.registry.register(self.work)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:  # looking labels up takes a lock: once per series, not per request
            series = self._series[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)


class WorkCollector(Collector):
    """Series of the work in flight, from the snapshot taken just before the scrape."""

    def __init__(self, tallies: Tallies) -> None:
        self.tallies = tallies
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[Metric]:
        yield from _cases(self.snapshot)
        yield from _timers(self.snapshot)
        yield from _events(self.snapshot)
        yield from _tallies(self.tallies)


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=labels)


def _cases(snapshot: Snapshot) -> Iterator[Metric]:
    cases = _gauge("cases", "Completion cases, by state", ["state"])
    for state in CaseState:
        cases.add_metric([state.value], snapshot.cases_by_state.get(state.value, 0))
    yield cases
    jeopardy = _gauge("open_cases_jeopardy", "Active and held cases, by jeopardy", ["jeopardy"])
    for level in Jeopardy:
        jeopardy.add_metric([level.value], snapshot.open_cases_by_jeopardy.get(level.value, 0))
    yield jeopardy
    steps = _gauge(
        "steps_waiting", "Active steps, by kind and by whom they wait on", ["kind", "waiting_on"]
    )
    for kind in StepKind:
        # Kinds nobody acts on are absent from WAITER_OF: the service finishes them alone.
        waiter = WAITER_OF.get(kind, Waiter.NOBODY)
        steps.add_metric([kind.value, waiter.value], snapshot.waiting_steps_by_kind.get(kind, 0))
    yield steps


def _timers(snapshot: Snapshot) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        f"{PREFIX}_timers_pending", "Timers waiting to fire", value=snapshot.timers_pending
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_timers_overdue",
        "Pending timers whose due time has passed",
        value=snapshot.timers_overdue,
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_timer_lag_seconds",
        "How long the oldest overdue timer has waited past its due time",
        value=snapshot.timer_lag_seconds,
    )


def _events(snapshot: Snapshot) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        f"{PREFIX}_outbox_backlog_events",
        "Events written to the outbox and not yet turned into deliveries",
        value=snapshot.outbox_events,
    )
    deliveries = _gauge(
        "deliveries", "Deliveries still waiting (pending) or given up (failed)", ["status"]
    )
    for status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
        deliveries.add_metric([status.value], snapshot.deliveries_by_status.get(status, 0))
    yield deliveries
    yield GaugeMetricFamily(
        f"{PREFIX}_delivery_lag_seconds",
        "How long the oldest pending delivery has waited past its attempt time",
        value=snapshot.delivery_lag_seconds,
    )


def _tallies(tallies: Tallies) -> Iterator[Metric]:
    attempts = CounterMetricFamily(
        f"{PREFIX}_delivery_attempts",
        "Delivery attempts made by this process, by verdict",
        labels=["verdict"],
    )
    for verdict in Verdict:
        attempts.add_metric([verdict.value], tallies.delivery_verdicts.get(verdict.value, 0))
    yield attempts
    inbound = CounterMetricFamily(
        f"{PREFIX}_inbound_events",
        "Inbound order events handled by this process, by result",
        labels=["result"],
    )
    for result in IntakeOutcome:
        inbound.add_metric([result.value], tallies.inbound_results.get(result.value, 0))
    yield inbound
