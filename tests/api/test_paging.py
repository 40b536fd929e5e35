"""Every list pages with ``offset``/``limit`` given in ASCII digits, at most what the
databases take: anything else is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import httpx
import pytest

from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import assert_error

LISTS = [
    f"{BASE_PATHS[Api.ORDER_COMPLETION]}/completionCase",
    f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow",
    f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction",
    f"{BASE_PATHS[Api.APPOINTMENT]}/appointment",
]
BAD = [
    ({"offset": "9223372036854775808"}, "offset"),  # one past a signed 64-bit integer
    ({"limit": "99999999999999999999"}, "limit"),
    ({"limit": "1_0"}, "limit"),
    ({"offset": "\u0663"}, "offset"),  # ARABIC-INDIC DIGIT THREE
    ({"offset": " 1"}, "offset"),
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("params", "field"), BAD)
async def test_bad_paging_is_400_on_every_list(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    assert_error(await client.get(path, params=params), 400, field)


@pytest.mark.parametrize("path", LISTS)
async def test_the_largest_offset_is_an_empty_page(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path, params={"offset": str(2**63 - 1)})
    assert answer.status_code == 200, answer.text
    assert answer.json() == []
