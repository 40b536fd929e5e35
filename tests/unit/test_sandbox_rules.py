"""The sandbox peers' pure rules: merge patch, the events a change raises, the spec checks."""

from __future__ import annotations

from typing import Any

import pytest

from order_completion.sandbox.catalog import CUSTOMER, PRODUCT, PRODUCT_ORDER, peer_of
from order_completion.sandbox.rules import (
    EventKind,
    Refused,
    changes,
    check,
    merge_patch,
    refuse_owned,
    stamp_state_date,
)

ORDER: dict[str, Any] = {
    "id": "PO-1",
    "state": "acknowledged",
    "lastUpdate": "2026-11-27T10:00:00.000Z",
    "productOrderItem": [{"id": "1", "action": "add"}],
    "billingAccount": {"id": "BA-1", "name": "main"},
}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"billingAccount": {"name": "other"}}, {"id": "BA-1", "name": "other"}),
        ({"billingAccount": {"name": None}}, {"id": "BA-1"}),
        ({"billingAccount": None}, None),
        ({"billingAccount": ["replaced"]}, ["replaced"]),
    ],
)
def test_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest(
    patch: dict[str, Any], expected: Any
) -> None:
    merged = merge_patch(ORDER, patch)
    assert merged.get("billingAccount") == expected
    assert ORDER["billingAccount"] == {"id": "BA-1", "name": "main"}  # the original is kept


def test_merge_patch_replaces_lists_whole() -> None:
    merged = merge_patch(ORDER, {"productOrderItem": [{"id": "2", "action": "delete"}]})
    assert merged["productOrderItem"] == [{"id": "2", "action": "delete"}]


@pytest.mark.parametrize(
    ("patch", "kinds"),
    [
        ({"state": "completed"}, (EventKind.STATE_CHANGE,)),
        ({"description": "x"}, (EventKind.ATTRIBUTE_VALUE_CHANGE,)),
        (
            {"state": "held", "description": "x"},
            (EventKind.STATE_CHANGE, EventKind.ATTRIBUTE_VALUE_CHANGE),
        ),
        ({"state": "acknowledged"}, ()),
        ({"lastUpdate": "2030-01-01T00:00:00Z"}, ()),
    ],
)
def test_a_change_raises_the_events_of_what_moved(
    patch: dict[str, Any], kinds: tuple[EventKind, ...]
) -> None:
    assert changes(PRODUCT_ORDER, ORDER, merge_patch(ORDER, patch)) == kinds


def test_reaching_completed_stamps_the_completion_date_once() -> None:
    document = merge_patch(ORDER, {"state": "completed"})
    stamp_state_date(PRODUCT_ORDER, document, "2026-11-27T11:00:00.000Z")
    stamp_state_date(PRODUCT_ORDER, document, "2026-11-28T11:00:00.000Z")
    assert document["completionDate"] == "2026-11-27T11:00:00.000Z"


@pytest.mark.parametrize(
    ("resource", "document", "field"),
    [
        (PRODUCT, {"status": "aborted"}, None),
        (PRODUCT, {"status": "active", "isBundle": "no"}, "isBundle"),
        (PRODUCT, {"status": "active", "productOffering": {"name": "x"}}, "productOffering.id"),
        (PRODUCT, {"status": "active", "startDate": "2026-11-27"}, "startDate"),
        (CUSTOMER, {"name": "Acme", "engagedParty": {"id": "O-1"}}, "engagedParty.@referredType"),
        (CUSTOMER, {"engagedParty": {"id": "O-1", "@referredType": "Organization"}}, "name"),
        (
            CUSTOMER,
            {
                "name": "Acme",
                "engagedParty": {"id": "O-1", "@referredType": "Organization"},
                "contactMedium": [{"mediumType": "email"}],
            },
            "contactMedium[0].characteristic",
        ),
        (PRODUCT_ORDER, {**ORDER, "productOrderItem": []}, "productOrderItem"),
        (PRODUCT_ORDER, {**ORDER, "state": "shipped"}, "state"),
    ],
)
def test_check_names_the_first_attribute_the_spec_refuses(
    resource: Any, document: dict[str, Any], field: str | None
) -> None:
    if field is None:
        check(resource, document)
        return
    with pytest.raises(Refused) as refused:
        check(resource, document)
    assert refused.value.field == field


def test_an_order_may_be_given_its_state_by_patch_but_not_on_create() -> None:
    with pytest.raises(Refused) as refused:
        refuse_owned(PRODUCT_ORDER, {"state": "completed"}, creating=True)
    assert refused.value.field == "state"
    refuse_owned(PRODUCT_ORDER, {"state": "completed"}, creating=False)
    with pytest.raises(Refused):
        refuse_owned(PRODUCT_ORDER, {"orderDate": "2026-11-27T10:00:00Z"}, creating=False)


def test_paths_name_their_api_and_nothing_else() -> None:
    assert peer_of("/tmf-api/productInventory/v4/product/1") is not None
    assert peer_of("/tmf-api/productInventoryX/v4/product") is None
    assert peer_of("/sandbox/v1/fault") is None
