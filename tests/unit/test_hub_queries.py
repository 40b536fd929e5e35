"""Matching events against TMF630 hub queries."""

from __future__ import annotations

import pytest

from order_completion.events.catalog import EVENT_TYPES, Api, api_of
from order_completion.events.rules import QueryError, matches, parse_query

EVENT = {
    "eventType": "completionCaseMilestoneEvent",
    "event": {
        "completionCase": {"state": "active", "milestone": [{"name": "a"}, {"name": "b"}]},
        "milestone": {"name": "customerAccepted"},
    },
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, True),
        ("", True),
        ("eventType=completionCaseMilestoneEvent", True),
        ("eventType=completionCaseCreateEvent,completionCaseMilestoneEvent", True),
        ("eventType=completionCaseCreateEvent", False),
        ("event.milestone.name=customerAccepted", True),
        ("event.completionCase.milestone.name=b", True),
        ("event.completionCase.milestone.name=c", False),
        ("eventType=completionCaseMilestoneEvent&event.completionCase.state=hold", False),
        ("event.nothing.here=x", False),
        ("?eventType=completionCaseMilestoneEvent", True),
    ],
)
def test_queries_select_events(query: str | None, expected: bool) -> None:
    assert matches(parse_query(query), EVENT) is expected


@pytest.mark.parametrize("query", ["eventType=", "=x", "eventType"])
def test_malformed_queries_are_refused(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_every_case_event_type_belongs_to_the_order_completion_hub() -> None:
    from order_completion.cases.events import CaseEventType

    operational = {"hubSubscriptionDisabledEvent"}
    assert {event.value for event in CaseEventType} == EVENT_TYPES[
        Api.ORDER_COMPLETION
    ] - operational
    assert api_of("taskFlowStateChangeEvent") is Api.PROCESS_FLOW
    assert api_of("somethingElse") is None
