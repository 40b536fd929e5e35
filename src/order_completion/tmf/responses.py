"""JSON answers encoded once, straight to bytes.

Routes build their resources as plain dicts (the representation functions) and return them
wrapped in ``JsonResponse``. FastAPI hands a returned ``Response`` to the client as it is:
the route's ``response_model`` still documents the shape in the OpenAPI document, but the
body is not validated and re-encoded field by field through pydantic, which was most of
the CPU a read cost. The representation functions are the single place that owns the
shape, and the API tests and the schema fuzzing check that it matches the documentation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from starlette.responses import Response

from order_completion.tmf.counting import Count

# Resources carry their dates as ISO strings already; these options only matter for a value
# that slipped through as a ``datetime`` (rendered with a ``Z`` like ``clock.iso``) or a dict
# with non-string keys.
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def _fallback(value: Any) -> Any:
    """What orjson cannot encode by itself (sets, Decimals, ...): a list for collections,
    ISO 8601 for moments, a string otherwise."""
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def encode(content: Any) -> bytes:
    """``content`` as compact JSON bytes.

    A client may have stored text that is not valid Unicode (a lone surrogate, sent as a
    ``\\udxxx`` escape in JSON); orjson refuses it, so such an answer is encoded by the standard
    library instead, which writes it back as the same escape.
    """
    try:
        return orjson.dumps(content, default=_fallback, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(content, default=_fallback, separators=(",", ":")).encode()


class JsonResponse(Response):
    """``application/json`` encoded with orjson; the body is rendered once, on creation."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode(content)


def json_resource(
    resource: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """One resource as the answer."""
    return JsonResponse(resource, status_code=status_code, headers=headers)


def json_page(
    items: Sequence[Mapping[str, Any]],
    *,
    total: int | Count,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """A page of a list with the TMF630 count headers: ``X-Total-Count`` (all that match,
    marked when it is an estimate: ``counting.py``) and ``X-Result-Count`` (in this page)."""
    counted = total if isinstance(total, Count) else Count(total)
    counts = {**counted.headers, "X-Result-Count": str(len(items))}
    return JsonResponse(list(items), headers={**counts, **(headers or {})})
