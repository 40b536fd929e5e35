"""Text longer than the column that keeps it is a 400 naming the field, on both databases
(PostgreSQL refuses it with an error, SQLite keeps it silently): the request schemas
declare the lengths of the tables, and a walk over every sized column keeps them equal."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import annotated_types
import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import String

import order_completion.tables  # noqa: F401  (every table on the metadata)
from order_completion.appointment_api.schemas import AppointmentCreate, AppointmentUpdate
from order_completion.database import Base
from order_completion.events.hub_api import EventSubscriptionInput
from order_completion.interactions import schemas as interactions
from order_completion.orders import schemas as orders
from tests.api.test_appointment_api import AP, booking, open_case
from tests.api.test_cases_api import CASES, assert_error
from tests.api.test_party_interaction_api import CALL, PI
from tests.orders import product_order

# Every sized column a request fills, and the request fields that fill it.
FED: dict[tuple[str, str], list[tuple[type[BaseModel], str]]] = {
    ("completion_case", "product_order_id"): [(orders.ProductOrder, "id")],
    ("completion_case", "order_category"): [(orders.ProductOrder, "category")],
    ("completion_case", "customer_id"): [(orders.RelatedParty, "id")],
    ("completion_case", "customer_name"): [(orders.RelatedParty, "name")],
    ("case_order_item", "item_id"): [(orders.ProductOrderItem, "id")],
    ("case_order_item", "action"): [(orders.ProductOrderItem, "action")],
    ("case_order_item", "offering_id"): [(orders.ProductOfferingRef, "id")],
    ("case_order_item", "offering_name"): [(orders.ProductOfferingRef, "name")],
    ("inbound_event", "event_id"): [(orders.ProductOrderStateChangeEvent, "event_id")],
    ("appointment", "category"): [(AppointmentCreate, "category")],
    ("appointment", "status"): [(AppointmentUpdate, "status")],
    ("appointment", "external_id"): [
        (AppointmentCreate, "externalId"),
        (AppointmentUpdate, "externalId"),
    ],
    ("party_interaction", "customer_id"): [(interactions.RelatedParty, "id")],
    ("party_interaction", "status"): [
        (interactions.PartyInteractionCreate, "status"),
        (interactions.PartyInteractionUpdate, "status"),
    ],
    ("party_interaction", "direction"): [(interactions.PartyInteractionCreate, "direction")],
    ("hub_subscription", "style"): [(EventSubscriptionInput, "deliveryStyle")],
}
# Every other sized column holds what the service writes itself: generated ids, hashes,
# names of its own vocabularies, or values read from policy files and credentials.
SERVICE_WRITTEN = {
    "id",
    "case_id",
    "step_id",
    "event_id",
    "batch_id",
    "subscription_id",
    "delivery_id",
    "token_hash",
    "order_fingerprint",
    "state",
    "kind",
    "outcome",
    "status",
    "result",
    "verdict",
    "decision",
    "jeopardy",
    "origin",
    "role",
    "api",
    "event_type",
    "secret",
    "previous_secret",
    "source",  # the listener's sender, from its credential
    "owner",  # a hub's owner, from the caller's credential
    "waiting_for",  # derived from the case's steps
    "certificate_sha256",  # a hash the service computes
    "purpose",  # an outbound call's purpose: a kind and an item id (at most 200) or our ids
    "claim_token",  # the uuid of a worker's claim of an outbound call
    "password_hash",  # a staff password's Argon2id hash, made by the service
    "media_type",  # an attachment's: one of the configured types, at most 100 (rules)
    "sha256",  # a hash the service computes
    "evidence_of",  # our own ids
    "created_by",  # the caller's name, cut to the column
    "product_id",  # the inventory's id for a product, checked by the adapter (at most 200)
    "name",  # an API key's name, given on the command line (checked there)
    "policy_id",  # policies come from the policy files, checked when loaded
    "policy_name",
    "key",  # a sign-in counter's key: an HMAC the service computes
    "counted",  # what a sign-in counter counts: "name" or "address" (rules)
}


def sized_columns() -> dict[tuple[str, str], int]:
    return {
        (table.name, column.name): column.type.length
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String) and column.type.length is not None
    }


def declared_limit(model: type[BaseModel], name: str) -> tuple[int | None, bool]:
    """The longest text the field accepts, and whether it is a declared ``max_length``
    (rather than the longest of its literal values)."""
    field = model.model_fields[name]
    for constraint in field.metadata:
        if isinstance(constraint, annotated_types.MaxLen):
            return constraint.max_length, True
    annotation: Any = field.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    # An optional value's length is declared on its type (``OneLine[Annotated[str, ...]]``).
    for constraint in getattr(annotation, "__metadata__", ()):
        for inner in getattr(constraint, "metadata", [constraint]):
            if isinstance(inner, annotated_types.MaxLen):
                return inner.max_length, True
    if typing.get_origin(annotation) is typing.Literal:
        return max(len(str(value)) for value in typing.get_args(annotation)), False
    return None, False


def test_every_sized_column_is_fed_by_a_field_of_its_length_or_by_the_service() -> None:
    columns = sized_columns()
    unaccounted = {key for key in columns if key not in FED and key[1] not in SERVICE_WRITTEN}
    assert unaccounted == set(), "a new sized column: add it to FED or SERVICE_WRITTEN"
    for key, fields in FED.items():
        for model, name in fields:
            limit, declared = declared_limit(model, name)
            fits = (
                limit == columns[key] if declared else limit is not None and limit <= columns[key]
            )
            assert fits, (key, f"{model.__name__}.{name}", limit, columns[key])


def longer_than(column: int) -> str:
    return "x" * (column + 1)


def order_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    order = product_order()
    change(order)
    return {"productOrder": order}


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    party: dict[str, Any] = next(p for p in order["relatedParty"] if p["role"] == "customer")
    return party


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: o.update(id=longer_than(200)), "productOrder.id"),
        (lambda o: o.update(category=longer_than(100)), "productOrder.category"),
        (lambda o: _customer(o).update(id=longer_than(200)), "productOrder.relatedParty[0].id"),
        (
            lambda o: _customer(o).update(name=longer_than(400)),
            "productOrder.relatedParty[0].name",
        ),
        (
            lambda o: o["productOrderItem"][0].update(id=longer_than(200)),
            "productOrder.productOrderItem[0].id",
        ),
        (
            lambda o: o["productOrderItem"][0].update(
                productOffering={"id": longer_than(200), "name": "x"}
            ),
            "productOrder.productOrderItem[0].productOffering.id",
        ),
        (
            lambda o: o["productOrderItem"][0].update(
                productOffering={"id": "x", "name": longer_than(400)}
            ),
            "productOrder.productOrderItem[0].productOffering.name",
        ),
    ],
)
async def test_an_order_with_text_longer_than_its_column_is_400(
    client: httpx.AsyncClient, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    answer = await client.post(CASES, json=order_with(change))
    assert_error(answer, 400, field)
    assert (await client.get(CASES)).json() == []


async def test_the_longest_text_a_column_keeps_is_kept(client: httpx.AsyncClient) -> None:
    order = product_order()
    _customer(order).update(id="c" * 200, name="n" * 400)
    order["productOrderItem"][0]["id"] = "i" * 200
    answer = await client.post(CASES, json={"productOrder": order})
    assert answer.status_code == 201, answer.text
    case = (await client.get(answer.json()["href"])).json()
    assert case["orderItem"][0]["id"] == "i" * 200
    assert case["relatedParty"][0]["id"] == "c" * 200


async def test_interactions_and_appointments_refuse_text_longer_than_its_column(
    client: httpx.AsyncClient,
) -> None:
    party = [{"id": longer_than(200), "role": "customer"}]
    assert_error(await client.post(PI, json={**CALL, "relatedParty": party}), 400)
    assert_error(await client.post(PI, json={**CALL, "status": longer_than(40)}), 400, "status")
    assert (await client.get(PI)).json() == []
    case_id = await open_case(client)
    visit = await client.post(AP, json=booking(case_id, "commissioning", externalId="x" * 201))
    assert_error(visit, 400, "externalId")
    booked = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    assert_error(await client.patch(booked["href"], json={"externalId": "x" * 201}), 400)
