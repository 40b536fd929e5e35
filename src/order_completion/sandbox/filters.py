"""TMF630 list filters over the peers' stored documents: any attribute, dotted paths
(``relatedParty.id``, ``productOrderItem.id``) that look into lists, comma-separated values
(any of them), and ``.gt/.gte/.lt/.lte`` comparisons.

The lifecycle state and ``lastUpdate`` are filtered in SQL on their indexed columns; every
other attribute is matched on the documents those leave.
"""

from __future__ import annotations

import operator as compare
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement

from order_completion.events.rules import values_at
from order_completion.sandbox.rules import Resource, parse_date_time
from order_completion.sandbox.store import resources
from order_completion.tmf import query

COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "gt": compare.gt,
    "gte": compare.ge,
    "lt": compare.lt,
    "lte": compare.le,
}


@dataclass(frozen=True)
class Selection:
    """A list request split where it runs: SQL conditions, then document filters."""

    in_sql: list[ColumnElement[bool]]
    on_documents: list[query.Filter]
    request: query.ListRequest


def select(resource: Resource, params: Mapping[str, list[str]]) -> Selection:
    """Parse the query; a malformed value (a date that is none) is a 400 naming it."""
    named = {_attribute_of(key) for key in params if key not in query.RESERVED}
    attributes = dict.fromkeys(named, query.Attribute(None))
    attributes[resource.state_attribute] = query.Attribute(resources.c.state)
    attributes["lastUpdate"] = query.Attribute(resources.c.last_update, kind="date")
    request = query.list_request(
        params,
        attributes,
        fields=_first(params, "fields"),
        offset=_first(params, "offset"),
        limit=_first(params, "limit"),
    )
    indexed = {resource.state_attribute, "lastUpdate"}
    in_sql = [item for item in request.filters if item.attribute in indexed]
    return Selection(
        in_sql=query.conditions(in_sql, attributes),
        on_documents=[item for item in request.filters if item.attribute not in indexed],
        request=request,
    )


def _attribute_of(key: str) -> str:
    head, _, tail = key.rpartition(".")
    return head if head and tail in query.OPERATORS else key


def _first(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def keep(document: Mapping[str, Any], filters: Sequence[query.Filter]) -> bool:
    """Whether the document meets every filter (one matching value is enough for each)."""
    return all(_meets(document, item) for item in filters)


def _meets(document: Mapping[str, Any], item: query.Filter) -> bool:
    found = [
        value
        for value in values_at(document, item.attribute.split("."))
        if not isinstance(value, dict | list)
    ]
    if item.operator == "eq":
        return any(_as_text(value) in item.values for value in found)
    return any(_compare(value, item.values[0], item.operator) for value in found)


def _as_text(value: Any) -> str:
    """A JSON value as it is written in a query: ``true``, ``3``, ``completed``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(value: Any, wanted: str, operator: str) -> bool:
    left, right = _comparable(_as_text(value), wanted)
    return bool(COMPARISONS[operator](left, right))


def _comparable(left: str, right: str) -> tuple[Any, Any]:
    """Moments compare as moments, numbers as numbers, anything else as text."""
    left_moment, right_moment = parse_date_time(left), parse_date_time(right)
    if left_moment is not None and right_moment is not None:
        return _utc(left_moment), _utc(right_moment)
    try:
        return float(left), float(right)
    except ValueError:
        return left, right


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
