"""The body check finds a key written twice in one object wherever it is, including when
colons inside strings, or written as an escape, would fool a count of the separators."""

from __future__ import annotations

import pytest

from order_completion.tmf.text_guard import body_problem


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"decision":"rejected","decidedBy":{"name":"D"},"decision":"accepted"}', "decision"),
        (b'{"a":"\\u003a","a":1}', "a"),
        (b'{"a":"x:y","b":[{"c":1,"c":2}]}', "b[0].c"),
        (b'[{"k":1},{"k":2,"k":3}]', "[1].k"),
    ],
)
def test_a_repeated_key_is_named_by_its_path(body: bytes, path: str) -> None:
    assert body_problem(body) == (path, "is written more than once in its object")


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":{"k":1},"b":{"k":1}}',
        b'{"at":"2026-11-27T10:00:00Z","u":"https://x:8/","e":"\\u003A"}',
        b'{"k:1":"a:b","list":["c:d",1,null]}',
    ],
)
def test_equal_keys_in_different_objects_and_colons_in_text_pass(body: bytes) -> None:
    assert body_problem(body) is None
