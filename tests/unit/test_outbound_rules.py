"""Pure rules of outbound calls: one vocabulary of call kinds and states, and when work
made of several calls is over."""

from __future__ import annotations

from order_completion.customer_records.calls import TARGET_KINDS
from order_completion.outbound.rules import CallKind, CallState, all_finished


def test_call_kinds_keep_the_values_stored_on_the_rows() -> None:
    """Rows written before the kinds were one enum stay readable by their kind."""
    assert {kind.value for kind in CallKind} == {
        "productOrder",
        "productInventory",
        "customer",
        "billing",
        "message",
        "certificate",
    }
    assert {CallKind.MESSAGE, CallKind.CERTIFICATE}.isdisjoint(TARGET_KINDS)


def test_work_of_several_calls_is_over_once_each_is_done_or_settled() -> None:
    assert all_finished([CallState.DONE, CallState.SETTLED])
    assert not all_finished([CallState.DONE, CallState.PENDING])
    assert not all_finished([CallState.DONE, CallState.FAILED])
