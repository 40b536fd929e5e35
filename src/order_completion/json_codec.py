"""JSON to and from bytes, fast (orjson) for every value it can take.

orjson refuses strings with a lone surrogate (``"\\ud800"``), which Python strings and the
standard library allow; such a value takes the slow path instead of failing the request or
the delivery that carries it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Datetimes inside JSON keep the ``str()`` form they always had; keys that are not strings
# become strings, as the standard library does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), default=str).encode()


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an escaped lone surrogate written by the slow path
        return json.loads(text)
