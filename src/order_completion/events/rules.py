"""Pure matching of an event against a hub subscription's TMF630 ``query``.

A query is a URL query string: ``eventType=completionCaseMilestoneEvent`` or
``eventType=a,b&event.completionCase.state=active``. Every named attribute must match one of
its comma-separated values; dotted names walk into the event envelope, and through lists (any
element may match).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class QueryError(ValueError):
    """A subscription query that cannot be understood."""


def parse_query(query: str | None) -> dict[str, set[str]]:
    if not query or not query.strip():
        return {}
    text = query.strip().lstrip("?")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise QueryError(f"{query!r} is not a query string like eventType=...") from None
    criteria: dict[str, set[str]] = {}
    for name, raw in pairs:
        values = {value.strip() for value in raw.replace(";", ",").split(",") if value.strip()}
        if not name or not values:
            raise QueryError(f"{name or '(empty name)'} needs a value")
        criteria.setdefault(name, set()).update(values)
    return criteria


def values_at(document: Any, path: list[str]) -> Iterator[Any]:
    """Every value at a dotted ``path`` in a JSON document, walking through lists (each
    element is looked into); a path that leads nowhere yields nothing."""
    if not path:
        if isinstance(document, list):
            yield from document
        else:
            yield document
        return
    if isinstance(document, list):
        for element in document:
            yield from values_at(element, path)
    elif isinstance(document, dict) and path[0] in document:
        yield from values_at(document[path[0]], path[1:])


def matches(criteria: dict[str, set[str]], envelope: dict[str, Any]) -> bool:
    """Whether the event envelope satisfies every criterion."""
    for name, wanted in criteria.items():
        found = {
            str(value)
            for value in values_at(envelope, name.split("."))
            if not isinstance(value, (dict, list))
        }
        if not found & wanted:
            return False
    return True


def callback_problem(url: str) -> str | None:
    """Why ``url`` cannot be a hub's callback, or None: an absolute http(s) URL with a
    host, a port from 1 to 65535, an IPv6 address only in well-formed brackets, and no
    whitespace or control character anywhere (an HTTP client refuses those only when it
    sends, long after the subscriber was told the hub is registered)."""
    if any(
        character.isspace() or ord(character) < 32 or ord(character) == 127 for character in url
    ):
        return "must not contain whitespace or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"is not a valid URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    if port == 0:
        return "port must be from 1 to 65535"
    return None
