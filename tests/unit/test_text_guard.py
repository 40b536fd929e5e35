"""The text check tells orjson's refusals apart by their wording: these pin that wording
against the installed orjson, so an upgrade that rewords them fails here, not in production
as a 400 saying the body is not JSON."""

from __future__ import annotations

import orjson
import pytest

from order_completion.tmf.text_guard import (
    MAX_DEPTH,
    ORJSON_SURROGATE,
    ORJSON_TOO_DEEP,
    TOO_DEEP,
    body_problem,
)

LONE_SURROGATES = [
    pytest.param(b'{"id": "\\ud800"}', id="high escape alone"),
    pytest.param(b'{"id": "\\udfff"}', id="low escape alone"),
    pytest.param(b'{"id": "\\ud800\\u0041"}', id="high escape before a letter"),
    pytest.param(b'{"id": "\xed\xa0\x80"}', id="encoded as UTF-8 bytes"),
]
# Deeper than orjson parses, so orjson refuses it rather than the depth check here.
BEYOND_ORJSON = b"[" * 1100 + b"]" * 1100


def refusal(body: bytes) -> str:
    with pytest.raises(orjson.JSONDecodeError) as raised:
        orjson.loads(body)
    return str(raised.value)


@pytest.mark.parametrize("body", LONE_SURROGATES)
def test_orjson_names_a_lone_surrogate_as_the_check_expects(body: bytes) -> None:
    assert ORJSON_SURROGATE in refusal(body)
    assert body_problem(body) == (
        "body",
        "must not contain a lone surrogate (\\ud800 to \\udfff without its pair)",
    )


def test_orjson_names_its_depth_limit_as_the_check_expects() -> None:
    assert ORJSON_TOO_DEEP in refusal(BEYOND_ORJSON)
    assert body_problem(BEYOND_ORJSON) == ("body", TOO_DEEP)


def test_nesting_orjson_parses_is_measured_by_the_check_itself() -> None:
    body = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    assert body_problem(body) == ("body", TOO_DEEP)


@pytest.mark.parametrize("body", [b'{"id": ', b"NaN", b"{} {}"])
def test_other_refusals_say_the_body_is_not_json(body: bytes) -> None:
    """Neither wording matches, so the check says the body is not JSON, naming the body."""
    message = refusal(body)
    assert ORJSON_SURROGATE not in message
    assert ORJSON_TOO_DEEP not in message
    assert body_problem(body) == ("body", f"is not valid JSON ({message})")


def test_bytes_that_are_not_utf8_are_not_taken_for_a_surrogate() -> None:
    """orjson words every byte that is not UTF-8 as a surrogate; the check says the body
    is not UTF-8 instead of blaming a surrogate the body does not hold."""
    assert ORJSON_SURROGATE in refusal(b'{"id": "\xff"}')
    assert body_problem(b'{"id": "\xff"}') == (
        "body",
        "is not UTF-8 text (send JSON encoded as UTF-8)",
    )
