"""Text no database keeps (a NUL character, a lone surrogate) is refused with a 400 naming
where it was, on both databases, and nothing is written."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.test_cases_api import CASES, assert_error
from tests.orders import product_order


async def case_count(client: httpx.AsyncClient) -> str:
    return (await client.get(CASES, params={"limit": "1"})).headers["X-Total-Count"]


async def test_a_nul_character_anywhere_in_a_body_is_400_naming_it(
    client: httpx.AsyncClient,
) -> None:
    before = await case_count(client)
    order = product_order()
    order["productOrderItem"][0]["id"] = "item\x00one"
    answer = await client.post(CASES, json={"productOrder": order})
    assert_error(answer, 400, "productOrder.productOrderItem[0].id")
    assert await case_count(client) == before


async def test_a_lone_surrogate_in_a_body_is_400(client: httpx.AsyncClient) -> None:
    before = await case_count(client)
    text = json.dumps({"productOrder": product_order()})
    text = text.replace('"id": "', '"id": "\\ud800', 1)
    answer = await client.post(CASES, content=text, headers={"content-type": "application/json"})
    assert_error(answer, 400, "body")
    assert "surrogate" in answer.json()["message"]
    assert await case_count(client) == before


async def test_a_nul_character_in_a_filter_or_a_path_is_400(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(CASES, params={"state": "active\x00"}), 400, "state")
    assert_error(await client.get(f"{CASES}/case%00one"), 400, "path")


async def test_ordinary_unicode_passes(client: httpx.AsyncClient) -> None:
    order = product_order()
    order["productOrderItem"][0]["id"] = "item-\U0001f600-ü"
    answer = await client.post(CASES, json={"productOrder": order})
    assert answer.status_code == 201, answer.text
    stored = (await client.get(answer.json()["href"])).json()
    assert stored["orderItem"][0]["id"] == "item-\U0001f600-ü"


def nested(levels: int) -> object:
    value: object = "deep"
    for _ in range(levels):
        value = [value]
    return value


async def test_a_body_nested_256_levels_deep_is_400_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    """A characteristic value this deep once passed validation and broke the response (the
    serialiser gives up at about 250 levels): a 500 after the case was opened."""
    before = await case_count(client)
    order = product_order()
    order["productOrderItem"][0]["product"] = {
        "productCharacteristic": [{"name": "shape", "value": nested(256)}]
    }
    answer = await client.post(CASES, json={"productOrder": order})
    assert_error(answer, 400, "body")
    assert "nested deeper than 64 levels" in answer.json()["message"]
    assert await case_count(client) == before


async def test_a_body_as_deep_as_a_real_resource_may_be_passes(client: httpx.AsyncClient) -> None:
    order = product_order()
    order["productOrderItem"][0]["product"] = {
        "productCharacteristic": [{"name": "shape", "value": nested(40)}]
    }
    answer = await client.post(CASES, json={"productOrder": order})
    assert answer.status_code == 201, answer.text
    assert answer.json()["productOrder"]["id"] == order["id"]


JSON = {"content-type": "application/json"}


async def test_two_documents_in_one_body_are_invalid_input_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(CASES, content=b"{} {}", headers=JSON)
    assert_error(answer, 400, "body")
    assert answer.json()["reason"] == "Invalid input"
    assert "not valid JSON" in answer.json()["message"]


async def test_a_number_too_large_for_any_parser_is_invalid_input_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    before = await case_count(client)
    answer = await client.post(
        CASES, content=b'{"productOrder": ' + b"9" * 5000 + b"}", headers=JSON
    )
    assert_error(answer, 400, "body")
    assert answer.json()["reason"] == "Invalid input"
    assert await case_count(client) == before


async def test_an_error_from_the_body_checks_is_serialised_compactly(
    client: httpx.AsyncClient,
) -> None:
    """Like the errors the routes write: no space after a separator."""
    answer = await client.post(CASES, content=b'{"productOrder": "\\ud800"}', headers=JSON)
    assert_error(answer, 400, "body")
    assert answer.content == json.dumps(answer.json(), separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "body",
    [
        b'\xff\xfe{"productOrder": {}}',
        '{"productOrder": {"id": "caf\u00e9"}}'.encode("latin-1"),
        '{"productOrder": {}}'.encode("utf-16"),
    ],
    ids=["invalid-bytes", "latin-1", "utf-16"],
)
async def test_a_body_that_is_not_utf8_is_400_saying_so(
    client: httpx.AsyncClient, body: bytes
) -> None:
    answer = await client.post(CASES, content=body, headers=JSON)
    assert_error(answer, 400, "body")
    assert "not UTF-8" in answer.json()["message"]
    assert "surrogate" not in answer.json()["message"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"productOrder": {"id": "A"}, "productOrder": {"id": "B"}}', "productOrder"),
        (
            '{"productOrder": {"productOrderItem": [{"id": "1"}, {"id": "2", "id": "3"}]}}',
            "productOrder.productOrderItem[1].id",
        ),
    ],
)
async def test_a_body_repeating_a_key_is_400_naming_its_path(
    client: httpx.AsyncClient, text: str, path: str
) -> None:
    """JSON parsers disagree on which of two equal keys wins; the service takes neither."""
    before = await case_count(client)
    answer = await client.post(CASES, content=text, headers=JSON)
    assert_error(answer, 400, path)
    assert "more than once" in answer.json()["message"]
    assert await case_count(client) == before


async def test_equal_keys_in_different_objects_and_colons_in_text_pass(
    client: httpx.AsyncClient,
) -> None:
    order = product_order()
    order["description"] = 'a:b "c":d \\u003a'
    order["productOrderItem"][0]["id"] = "item:1"
    answer = await client.post(CASES, json={"productOrder": order})
    assert answer.status_code == 201, answer.text
