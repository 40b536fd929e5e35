"""Refuse text that no database keeps, before anything runs: a NUL character (PostgreSQL
refuses it in text and the request would fail half-way with a 500) or a lone surrogate
(``\\ud800`` without its pair: not Unicode, so not storable as UTF-8), in the path, a query
parameter or a JSON body; and a JSON body nested deeper than any resource we keep, which
the parsers and serialisers down the line fail on (Python's ``json`` at about a thousand
levels, the response serialiser at about 250). A body that is not UTF-8 or not JSON at all,
or repeats a key in one object (parsers disagree on which of the two wins), is refused here
too. The answer is a 400 naming where it was; a body that is not JSON and has no
``Content-Type`` at all is a 415 naming the missing header instead."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Shape:
    """What one walk over a parsed document learns: how deep it goes (counted only up to
    just past ``MAX_DEPTH``), how many keys its objects hold, and how many colons its keys
    and string values hold."""

    depth: int
    keys: int
    colons: int


def shape_of(document: Any) -> Shape:
    """Walk ``document`` once, without recursion (a deep document would otherwise exhaust
    the stack of the check meant to refuse it)."""
    deepest = keys = colons = 0
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            keys += len(value)
            colons += sum(key.count(":") for key in value)
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            break
        for item in value:
            if isinstance(item, str):
                colons += item.count(":")
            elif isinstance(item, (dict, list)):
                pending.append((item, depth + 1))
    return Shape(deepest, keys, colons)


def depth_of(document: Any) -> int:
    """How many arrays and objects deep ``document`` goes."""
    return shape_of(document).depth


def may_repeat_a_key(body: bytes, shape: Shape) -> bool:
    """Whether the JSON text ``body`` may hold more keys than its parsed ``shape`` (a key
    repeated in one object is parsed once). In JSON text a colon is either the separator
    after a key or a character inside a string, written as itself or as ``\\u003a``. Without
    that escape, the separators are the colons of the text less those of the parsed strings,
    so counting answers at the speed of ``bytes.count``; with it, the text is read again."""
    if b"\\u003a" in body or b"\\u003A" in body:
        return True
    return body.count(b":") - shape.colons != shape.keys


class _Pairs(list[tuple[str, Any]]):
    """An object's members in the order written, repeated keys included."""


def repeated_key(body: bytes) -> str | None:
    """The path of the first key written twice in one object of ``body``, or None."""
    pending: list[tuple[Any, tuple[int | str, ...]]] = [
        (json.loads(body, object_pairs_hook=_Pairs), ())
    ]
    while pending:
        value, path = pending.pop(0)
        if isinstance(value, _Pairs):
            seen: set[str] = set()
            for key, item in value:
                if key in seen:
                    return field_path((*path, key))
                seen.add(key)
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, index)) for index, item in enumerate(value))
    return None


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
    """Where a JSON body holds what the service does not take, and why; None when it is
    sound. NUL characters are looked for only when the body writes one (``\\u0000`` is the
    only way JSON can), so a sound body is walked once."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return "body", _refused_by_orjson(body, str(error))
    shape = shape_of(document)
    if shape.depth > MAX_DEPTH:
        return "body", TOO_DEEP
    if b"\\u0000" in body:
        found = nul_in(document)
        if found:
            return found, "must not contain a NUL character"
    if may_repeat_a_key(body, shape):
        repeated = repeated_key(body)
        if repeated:
            return repeated, "is written more than once in its object"
    return None


def _refused_by_orjson(body: bytes, message: str) -> str:
    """Why orjson refused ``body`` (its ``message``), in the caller's terms. orjson words
    any byte that is not UTF-8 as a surrogate, so a surrogate counts only where the body is
    UTF-8 apart from surrogates (escaped, or encoded as UTF-8 would were they allowed)."""
    if ORJSON_TOO_DEEP in message:
        return TOO_DEEP
    if not _utf8_but_for_surrogates(body):
        return "is not UTF-8 text (send JSON encoded as UTF-8)"
    if ORJSON_SURROGATE in message:
        return "must not contain a lone surrogate (\\ud800 to \\udfff without its pair)"
    return f"is not valid JSON ({message})"


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
        if problem is not None and content_type is None and unreadable(problem):
            await _refuse_unlabelled(send)
            return
        if problem is not None:
            await _refuse(send, *problem)
            return
        await self.app(scope, replaying(body, receive), send)


def unreadable(problem: tuple[str, str]) -> bool:
    """Whether ``problem`` is that the body does not read as JSON at all (rather than JSON
    holding something refused)."""
    field, why = problem
    return field == "body" and why != TOO_DEEP


async def _refuse(send: Send, field: str, why: str) -> None:
    answer = error_body(400, "Invalid input", f"{field}: {why}", "21")
    answer["field"] = field
    await send_error(send, answer)


async def _refuse_unlabelled(send: Send) -> None:
    """A body that is not JSON and says nothing of what it is: the missing header is what
    to mend (a file uploaded without its media type, most likely), not the bytes."""
    answer = error_body(
        415,
        "Missing Content-Type",
        "Content-Type: missing; send JSON as application/json, and a file as its own media "
        "type (application/pdf, image/png...)",
    )
    answer["field"] = "Content-Type"
    await send_error(send, answer)
