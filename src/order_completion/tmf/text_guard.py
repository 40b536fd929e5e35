"""Refuse text that no database keeps, before anything runs: a NUL character (PostgreSQL
refuses it in text and the request would fail half-way with a 500) or a lone surrogate
(``\\ud800`` without its pair: not Unicode, so not storable as UTF-8), in the path, a query
parameter or a JSON body; and a JSON body nested deeper than any resource we keep, which
the parsers and serialisers down the line fail on (Python's ``json`` at about a thousand
levels, the response serialiser at about 250). The answer is a 400 naming where it was."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from order_completion.tmf.bodies import read_body, replaying
from order_completion.tmf.errors import error_body, field_path, send_error

NUL = "\x00"
# Deeper than any TMF resource (a product order with bundled items and structured
# characteristic values stays under 20), and far below where any parser gives up.
MAX_DEPTH = 64
TOO_DEEP = f"must not be nested deeper than {MAX_DEPTH} levels"
# How orjson words the two refusals told apart here; orjson has no error codes, so
# tests/unit/test_text_guard.py pins these against the installed orjson.
ORJSON_SURROGATE = "surrogate"
ORJSON_TOO_DEEP = "depth limit"


def depth_of(document: Any) -> int:
    """How many arrays and objects deep ``document`` goes, without recursion (a deep
    document would otherwise exhaust the stack of the check meant to refuse it)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth + 1)
            if deepest > MAX_DEPTH:
                return deepest
            pending.extend((item, depth + 1) for item in value)
    return deepest


def nul_in(document: Any, path: tuple[int | str, ...] = ()) -> str | None:
    """The dotted path of the first string (or key) holding a NUL character, or None."""
    if isinstance(document, str):
        return (field_path(path) or "body") if NUL in document else None
    if isinstance(document, dict):
        for key, value in document.items():
            if NUL in key:
                return field_path((*path, key.replace(NUL, "\\u0000")))
            found = nul_in(value, (*path, key))
            if found is not None:
                return found
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found = nul_in(value, (*path, index))
            if found is not None:
                return found
    return None


def body_problem(body: bytes) -> tuple[str, str] | None:
    """Where a JSON body holds text no database keeps, and why; None when it holds none
    (or is not JSON at all: the route says so in its own words)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return _refused_by_orjson(body, str(error))
    if depth_of(document) > MAX_DEPTH:
        return "body", TOO_DEEP
    found = nul_in(document)
    return (found, "must not contain a NUL character") if found else None


def _refused_by_orjson(body: bytes, message: str) -> tuple[str, str] | None:
    """Which of our refusals orjson's ``message`` is, if any. orjson words any byte that is
    not UTF-8 as a surrogate, so a surrogate counts only where the body is UTF-8 apart
    from surrogates (escaped, or encoded as UTF-8 would were they allowed)."""
    if ORJSON_TOO_DEEP in message:
        return "body", TOO_DEEP
    if ORJSON_SURROGATE in message and _utf8_but_for_surrogates(body):
        return "body", "must not contain a lone surrogate (\\ud800 to \\udfff without its pair)"
    return None


def _utf8_but_for_surrogates(body: bytes) -> bool:
    try:
        body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


def target_problem(scope: Scope) -> tuple[str, str] | None:
    """Where the path or the query string holds a NUL character."""
    if NUL in scope.get("path", ""):
        return "path", "must not contain a NUL character"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\u0000") or "query", "must not contain a NUL character"
    return None


class StorableText:
    """ASGI middleware applying the checks above; a JSON body is read whole (the body
    size limit, outside this middleware, bounds it) and handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = target_problem(scope)
        if problem is not None:
            await _refuse(send, *problem)
            return
        # The framework reads a body without a content type as JSON too.
        content_type = dict(scope.get("headers", [])).get(b"content-type")
        if content_type is not None and b"json" not in content_type.lower():
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        problem = body_problem(body) if body else None
        if problem is not None:
            await _refuse(send, *problem)
            return
        await self.app(scope, replaying(body, receive), send)


async def _refuse(send: Send, field: str, why: str) -> None:
    answer = error_body(400, "Invalid input", f"{field}: {why}", "21")
    answer["field"] = field
    await send_error(send, answer)
