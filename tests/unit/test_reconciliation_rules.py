"""How far the reconciliation with order management has looked, after each look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_completion.orders.rules import reconciled_until

SINCE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
STARTED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OVERLAP = timedelta(minutes=5)


def at(minutes: int) -> datetime:
    return STARTED + timedelta(minutes=minutes)


def test_a_look_moves_past_every_order_it_saw() -> None:
    assert reconciled_until(SINCE, STARTED, [at(1), at(3)], [], OVERLAP) == at(3)


def test_a_quiet_look_moves_to_shortly_before_it_began() -> None:
    assert reconciled_until(SINCE, STARTED, [], [], OVERLAP) == STARTED - OVERLAP


def test_an_order_whose_case_could_not_open_holds_the_mark_at_its_change() -> None:
    assert reconciled_until(SINCE, STARTED, [at(1), at(3)], [at(2)], OVERLAP) == at(2)


def test_a_refused_order_of_unknown_change_keeps_the_mark_where_the_look_began() -> None:
    assert reconciled_until(SINCE, STARTED, [at(1)], [at(2), None], OVERLAP) == SINCE
