"""Pure rules of commissioning and training."""

from __future__ import annotations

from order_completion.commissioning.rules import ItemResult, problems_with_pass, unplanned
from order_completion.training.rules import training_done

PLAN = ["Throughput", "Latency"]


def test_a_pass_needs_every_planned_test_passed() -> None:
    assert problems_with_pass(PLAN, [ItemResult("Throughput", "passed")]) == [
        "planned test 'Latency' has no passed result"
    ]


def test_a_pass_with_a_failed_item_is_contradictory() -> None:
    items = [ItemResult("Throughput", "passed"), ItemResult("Latency", "failed")]
    assert "test item 'Latency' failed" in problems_with_pass(PLAN, items)


def test_items_outside_a_plan_are_named_and_any_item_fits_no_plan() -> None:
    assert unplanned(PLAN, [ItemResult("Jitter", "passed")]) == ["Jitter"]
    assert unplanned([], [ItemResult("Jitter", "passed")]) == []


def test_training_is_done_when_every_mandatory_topic_has_a_completed_session() -> None:
    assert not training_done(["Portal"], [["Reporting"]])
    assert training_done(["Portal"], [["Reporting"], ["Portal"]])


def test_training_without_mandatory_topics_needs_one_completed_session() -> None:
    assert not training_done([], [])
    assert training_done([], [["Reporting"]])
