"""The link to order management: how far its reconciliation has looked after each look, and
which process registers our listener at its hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_completion.orders.rules import HubRegistration, hub_registration, reconciled_until

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


CALLBACK = "https://oc.example/listener"
LEASE = timedelta(minutes=10)


def test_a_callback_registered_already_is_not_registered_again() -> None:
    turn = hub_registration(CALLBACK, None, CALLBACK, STARTED, LEASE)
    assert turn is HubRegistration.REGISTERED


def test_a_process_registering_now_keeps_its_turn_for_the_lease() -> None:
    turn = hub_registration(None, at(-9), CALLBACK, STARTED, LEASE)
    assert turn is HubRegistration.BUSY


def test_a_claim_older_than_the_lease_is_taken_over() -> None:
    assert hub_registration(None, at(-10), CALLBACK, STARTED, LEASE) is HubRegistration.OURS


def test_a_new_callback_is_registered_in_place_of_another() -> None:
    turn = hub_registration("https://old.example/listener", None, CALLBACK, STARTED, LEASE)
    assert turn is HubRegistration.OURS
