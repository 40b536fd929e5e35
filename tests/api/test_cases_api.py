"""The completion case API: creation, idempotency, reads, filters, paging and errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from order_completion.bootstrap import Services
from tests.orders import BASE, business_order, product_order

CASES = f"{BASE}/completionCase"


async def create(client: httpx.AsyncClient, order: dict[str, Any], **extra: Any) -> httpx.Response:
    return await client.post(CASES, json={"productOrder": order, **extra})


def assert_error(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert {"code", "reason", "message", "status"} <= body.keys()
    assert body["status"] == str(status)
    if field is not None:
        assert body["field"] == field
        assert field in body["message"]


async def test_create_answers_201_with_the_case_and_its_location(client: httpx.AsyncClient) -> None:
    response = await create(client, product_order("PO-1"))
    assert response.status_code == 201
    case = response.json()
    assert response.headers["Location"].endswith(f"/completionCase/{case['id']}")
    assert case["@type"] == "CompletionCase"
    assert case["href"] == f"{CASES}/{case['id']}"
    assert case["productOrder"]["id"] == "PO-1"
    assert case["relatedParty"][0] == {
        "id": "CUST-1",
        "name": "Jo Bloggs",
        "role": "customer",
        "@referredType": "Customer",
    }
    assert case["orderItem"][0]["productOffering"] == {
        "id": "FIBRE-500",
        "name": "Fibre broadband 500",
    }
    assert "history" not in case  # a sub-resource, inlined only when asked for
    assert case["historyHref"] == f"{case['href']}/history"
    assert (await client.get(case["href"])).json() == case  # the response is what is stored
    history = await client.get(case["historyHref"])
    assert history.json()[0]["action"] == "caseOpened"


async def test_the_same_order_again_returns_the_existing_case(client: httpx.AsyncClient) -> None:
    first = await create(client, product_order("PO-2"))
    again = await create(client, product_order("PO-2"))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


async def test_the_same_order_id_with_other_items_is_a_conflict(client: httpx.AsyncClient) -> None:
    await create(client, product_order("PO-3"))
    other = product_order("PO-3", items=[{"id": "9", "action": "modify"}])
    assert_error(await create(client, other), 409)


async def test_concurrent_submissions_of_one_order_open_one_case(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(*(create(client, business_order("PO-RACE")) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1


async def test_an_explicit_policy_is_used(client: httpx.AsyncClient) -> None:
    response = await create(client, product_order(), policy="business-managed")
    assert response.json()["policy"]["id"] == "business-managed"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda o: o.pop("id"), "productOrder.id"),
        (lambda o: o.update(productOrderItem=[]), "productOrder.productOrderItem"),
        (lambda o: o.pop("productOrderItem"), "productOrder.productOrderItem"),
        (
            lambda o: o["productOrderItem"][0].update(action="upgrade"),
            "productOrder.productOrderItem[0].action",
        ),
        (lambda o: o["productOrderItem"][0].pop("id"), "productOrder.productOrderItem[0].id"),
        (
            lambda o: o.update(relatedParty=[{"id": "X", "role": "payer"}]),
            "productOrder.relatedParty",
        ),
        (lambda o: o.update(relatedParty=[{"role": "customer"}]), "productOrder.relatedParty"),
        (lambda o: o.pop("relatedParty"), "productOrder.relatedParty"),
        (
            lambda o: o.update(
                productOrderItem=[{"id": "1", "action": "add"}, {"id": "1", "action": "add"}]
            ),
            "productOrder.productOrderItem",
        ),
    ],
)
async def test_a_malformed_order_is_refused_naming_the_field(
    client: httpx.AsyncClient, mutate: Any, field: str
) -> None:
    order = product_order("PO-BAD")
    mutate(order)
    assert_error(await create(client, order), 400, field)
    listing = await client.get(CASES)
    assert listing.headers["X-Total-Count"] == "0"


async def test_unknown_fields_policies_and_bodies_are_refused(client: httpx.AsyncClient) -> None:
    assert_error(await create(client, product_order(), colour="red"), 400, "colour")
    assert_error(await create(client, product_order(), policy="platinum"), 400, "policy")
    response = await client.post(
        CASES, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(response, 400)
    assert_error(await client.post(CASES, json=[1, 2]), 400)


async def test_get_unknown_case_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(f"{CASES}/nope"), 404)
    assert_error(await client.get(f"{BASE}/nothing-here"), 404)


async def test_method_not_allowed_is_405_in_the_error_model(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete(CASES), 405)


async def test_list_filters_pages_and_counts(client: httpx.AsyncClient) -> None:
    for index in range(5):
        await create(client, product_order(f"PO-L{index}", customer_id=f"C{index % 2}"))
    for index in range(2):
        await create(client, business_order(f"PO-LB{index}"))

    response = await client.get(CASES, params={"limit": "2", "offset": "1"})
    assert response.headers["X-Total-Count"] == "7"
    assert response.headers["X-Result-Count"] == "2"
    assert len(response.json()) == 2

    active = await client.get(CASES, params={"state": "active"})
    assert {c["productOrder"]["id"] for c in active.json()} == {"PO-LB0", "PO-LB1"}
    either = await client.get(CASES, params={"productOrder.id": "PO-L1,PO-LB0"})
    assert either.headers["X-Total-Count"] == "2"
    by_party = await client.get(
        CASES, params={"relatedParty.id": "C1", "policy.id": "consumer-standard"}
    )
    assert by_party.headers["X-Total-Count"] == "2"
    assert (await client.get(CASES, params={"jeopardy": "breach"})).json() == []
    later = await client.get(CASES, params={"creationDate.gte": "2026-11-23T09:00:00Z"})
    assert later.headers["X-Total-Count"] == "7"
    earlier = await client.get(CASES, params={"creationDate.lt": "2026-11-23T09:00:00Z"})
    assert earlier.headers["X-Total-Count"] == "0"


async def test_fields_keep_only_what_was_asked_plus_identity(client: httpx.AsyncClient) -> None:
    created = (await create(client, product_order())).json()
    one = await client.get(f"{CASES}/{created['id']}", params={"fields": "state,milestone"})
    assert set(one.json()) == {"id", "href", "@type", "state", "milestone"}
    listing = await client.get(CASES, params={"fields": "state"})
    assert set(listing.json()[0]) == {"id", "href", "@type", "state"}


async def test_history_pages_oldest_first_with_counts(client: httpx.AsyncClient) -> None:
    case = (await create(client, business_order())).json()
    for state in ("hold", "active", "hold", "active"):
        assert (await client.patch(case["href"], json={"state": state})).status_code == 200
    everything = await client.get(case["historyHref"])
    entries = everything.json()
    total = len(entries)
    assert everything.headers["X-Total-Count"] == everything.headers["X-Result-Count"] == str(total)
    assert entries[0]["action"] == "caseOpened"
    assert [e["date"] for e in entries] == sorted(e["date"] for e in entries)
    assert [e["action"] for e in entries].count("stateChanged") == 4

    middle = await client.get(case["historyHref"], params={"offset": "1", "limit": "2"})
    assert middle.json() == entries[1:3]
    assert middle.headers["X-Total-Count"] == str(total)
    assert middle.headers["X-Result-Count"] == "2"
    past_the_end = await client.get(case["historyHref"], params={"offset": str(total)})
    assert past_the_end.json() == []
    assert past_the_end.headers["X-Total-Count"] == str(total)
    assert past_the_end.headers["X-Result-Count"] == "0"


async def test_fields_history_inlines_the_whole_history(client: httpx.AsyncClient) -> None:
    case = (await create(client, business_order())).json()
    await client.patch(case["href"], json={"state": "hold"})
    history = (await client.get(case["historyHref"])).json()

    only = await client.get(case["href"], params={"fields": "history"})
    assert only.json() == {
        "id": case["id"],
        "href": case["href"],
        "@type": "CompletionCase",
        "history": history,
    }
    with_state = (await client.get(case["href"], params={"fields": "state,history"})).json()
    assert with_state["state"] == "hold"
    assert with_state["history"] == history
    listing = await client.get(CASES, params={"fields": "history", "id": case["id"]})
    assert listing.json() == [only.json()]
    assert all("history" not in c for c in (await client.get(CASES)).json())


async def test_a_page_of_cases_costs_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Steps, items and milestones of a page come with the page, never case by case."""
    for index in range(6):
        await create(client, business_order(f"PO-N{index}"))
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = services.db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        one = await client.get(CASES, params={"limit": "1"})
        for_one = len(statements)
        six = await client.get(CASES, params={"limit": "6"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(one.json()) == 1
    assert len(six.json()) == 6
    assert all(len(case["step"]) > 1 for case in six.json())
    assert len(statements) - for_one == for_one


async def test_history_of_an_unknown_case_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(f"{CASES}/nope/history"), 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"offset": "-1"}, "offset")],
)
async def test_bad_history_paging_is_400(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    case = (await create(client, product_order())).json()
    assert_error(await client.get(case["historyHref"], params=params), 400, field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-3"}, "offset"),
        ({"colour": "red"}, "colour"),
        ({"creationDate.gt": "yesterday"}, "creationDate"),
        ({"state.gt": "a,b"}, "state.gt"),
        # Text has no order to compare by; only dates and numbers take .gt/.gte/.lt/.lte.
        ({"state.gt": "a"}, "state.gt"),
        ({"productOrder.id.lte": "PO-9"}, "productOrder.id.lte"),
        # A paging or fields parameter given twice is refused, not quietly the last one.
        ({"limit": ["1", "1000000"]}, "limit"),
        ({"offset": ["0", "5"]}, "offset"),
        ({"fields": ["id", "state"]}, "fields"),
    ],
)
async def test_bad_list_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str | list[str]], field: str
) -> None:
    assert_error(await client.get(CASES, params=params), 400, field)


async def test_patch_holds_resumes_and_cancels(client: httpx.AsyncClient) -> None:
    case = (await create(client, business_order())).json()
    url = f"{CASES}/{case['id']}"
    held = await client.patch(url, json={"state": "hold", "reason": "site closed"})
    assert held.status_code == 200
    assert held.json()["state"] == "hold"
    assert held.json()["stateReason"] == "site closed"
    action = await client.post(
        f"{url}/acceptanceDecision", json={"decision": "accepted", "decidedBy": {"name": "A"}}
    )
    assert_error(action, 409)
    resumed = await client.patch(
        url, json={"state": "active"}, headers={"content-type": "application/merge-patch+json"}
    )
    assert resumed.json()["state"] == "active"
    cancelled = await client.patch(url, json={"state": "cancelled", "reason": "withdrawn"})
    assert cancelled.json()["state"] == "cancelled"
    assert_error(await client.patch(url, json={"state": "active"}), 409)


async def test_patch_refuses_bad_bodies_without_changing_anything(
    client: httpx.AsyncClient,
) -> None:
    case = (await create(client, business_order())).json()
    url = f"{CASES}/{case['id']}"
    assert_error(await client.patch(url, json={"state": "completed"}), 400, "state")
    assert_error(await client.patch(url, json={"state": "hold", "id": "x"}), 400, "id")
    assert_error(await client.patch(url, json={"state": "hold", "colour": "red"}), 400, "colour")
    assert_error(await client.patch(url, json={"state": "active"}), 409)
    assert_error(
        await client.patch(
            url,
            content=b'{"state": "hold"}',
            headers={"content-type": "application/json-patch+json"},
        ),
        415,
    )
    assert_error(await client.patch(f"{CASES}/nope", json={"state": "hold"}), 404)
    assert (await client.get(url)).json()["state"] == "active"
