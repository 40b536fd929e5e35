"""Answers are encoded once; what orjson refuses still becomes valid JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from order_completion.tmf.responses import encode, json_page


def test_resources_are_compact_json_and_moments_end_in_z() -> None:
    moment = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert (
        encode({"a": [1, "é"], "at": moment})
        == '{"a":[1,"é"],"at":"2026-11-27T09:00:00Z"}'.encode()
    )


def test_text_with_a_lone_surrogate_is_escaped_not_refused() -> None:
    """A client can store such text through a JSON escape; reading it back must not fail."""
    body = encode({"note": [{"text\udae3": "x\udcfd"}]})
    assert json.loads(body) == {"note": [{"text\udae3": "x\udcfd"}]}


def test_a_page_carries_its_counts() -> None:
    page = json_page([{"id": "1"}, {"id": "2"}], total=7)
    assert page.headers["X-Total-Count"] == "7"
    assert page.headers["X-Result-Count"] == "2"
    assert json.loads(page.body) == [{"id": "1"}, {"id": "2"}]
