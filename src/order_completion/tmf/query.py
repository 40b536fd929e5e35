"""TMF630 query conventions: ``fields``, ``offset``/``limit`` with count headers, and
attribute filters (exact, comma-separated OR, and ``.gt/.gte/.lt/.lte``), also on a value
inside a JSON list (``channel.id``)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import and_, or_

from order_completion.errors import InvalidInput
from order_completion.tmf.json_lists import list_has_element
from order_completion.tmf.schemas import in_utc_range

ALWAYS_KEPT = ("id", "href", "@type")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
OPERATORS = ("gt", "gte", "lt", "lte", "eq")
RESERVED = {"fields", "offset", "limit", "sort"}
# The reserved parameters that take one value: a second one is refused, not quietly
# preferred (``?limit=1&limit=1000000``).
SINGLE = ("fields", "offset", "limit")
COMPARABLE_KINDS = ("date", "number")


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def page(offset: str | None, limit: str | None) -> Page:
    return Page(
        offset=_non_negative("offset", offset, 0),
        limit=min(_non_negative("limit", limit, DEFAULT_LIMIT, minimum=1), MAX_LIMIT),
    )


# The largest number both databases take in OFFSET/LIMIT (a signed 64-bit integer).
MAX_NUMBER = 2**63 - 1


def _non_negative(name: str, value: str | None, default: int, minimum: int = 0) -> int:
    if value is None or value == "":
        return default
    # ASCII digits only: int() would also take "1_0" and digits of other scripts.
    if re.fullmatch(r"-?[0-9]+", value) is None:
        raise InvalidInput(f"must be a whole number, got {value!r}", field=name)
    number = int(value)
    if number < minimum:
        raise InvalidInput(f"must be at least {minimum}", field=name)
    if number > MAX_NUMBER:
        raise InvalidInput(f"must be at most {MAX_NUMBER}", field=name)
    return number


def parse_fields(fields: str | None) -> list[str] | None:
    if not fields:
        return None
    return [name.strip() for name in fields.split(",") if name.strip()]


def select_fields(resource: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Keep the named top-level attributes (dot notation keeps the top-level parent)."""
    if fields is None:
        return resource
    wanted = {name.split(".")[0] for name in fields} | set(ALWAYS_KEPT)
    return {key: value for key, value in resource.items() if key in wanted}


def refuse_read_only(patch: Mapping[str, Any], read_only: set[str] | frozenset[str]) -> None:
    """A request naming attributes the server owns is refused, naming them."""
    named = sorted(key for key in patch if key in read_only)
    if named:
        raise InvalidInput(f"read-only field: {', '.join(named)}", field=named[0])


@dataclass(frozen=True)
class Filter:
    attribute: str
    operator: str  # eq, gt, gte, lt, lte
    values: tuple[str, ...]


def refuse_repeated(params: Mapping[str, list[str]]) -> None:
    """``fields``, ``offset`` and ``limit`` given more than once are a 400 naming them."""
    for name in SINGLE:
        if len(params.get(name, ())) > 1:
            raise InvalidInput("may be given only once", field=name)


def parse_filters(
    params: Mapping[str, list[str]], allowed: set[str], comparable: Collection[str] = ()
) -> list[Filter]:
    """Turn query parameters into filters; an attribute we cannot filter on is a 400, and
    so is ``.gt/.gte/.lt/.lte`` on one not in ``comparable`` (text has no order a caller
    could rely on: it would compare by the database's collation)."""
    filters = []
    for key, raw_values in params.items():
        if key in RESERVED:
            continue
        attribute, operator = key, "eq"
        head, _, tail = key.rpartition(".")
        if head and tail in OPERATORS:
            attribute, operator = head, tail
        if attribute not in allowed:
            raise InvalidInput(
                f"cannot filter on {attribute!r}; filters: {', '.join(sorted(allowed))}",
                field=key,
            )
        if operator != "eq" and attribute not in comparable:
            raise InvalidInput(
                f"{attribute!r} is not a date or a number: it takes exact values only",
                field=key,
            )
        values = tuple(
            part.strip()
            for raw in raw_values
            for part in raw.replace(";", ",").split(",")
            if part.strip()
        )
        if not values:
            raise InvalidInput("needs a value", field=key)
        if operator != "eq" and len(values) != 1:
            raise InvalidInput(f"{operator} takes one value", field=key)
        filters.append(Filter(attribute, operator, values))
    return filters


_DATETIME = TypeAdapter(datetime)


@dataclass(frozen=True)
class Attribute:
    """A filterable attribute: its column and how to read a value given in the query.

    Kind ``element`` filters a JSON list column on the ``key`` of its objects (exact values
    only): a row matches when any element does. No index serves it, so it scans the rows the
    other filters leave; ``also`` names another place the same attribute is kept (a row
    matches when either does), and ``within`` the indexed condition of the rows that keep
    it there, so the database scans only those."""

    column: Any
    kind: str = "text"  # text, date, number, boolean or element
    key: str = "id"
    also: Attribute | None = None
    within: Any = None


def conditions(filters: Sequence[Filter], attributes: Mapping[str, Attribute]) -> list[Any]:
    """SQL conditions for ``filters`` over ``attributes`` (all must hold)."""
    return [_condition(item, attributes[item.attribute]) for item in filters]


def _condition(item: Filter, attribute: Attribute) -> Any:
    found = _one_condition(item, attribute)
    if attribute.within is not None:
        found = and_(attribute.within, found)
    return found if attribute.also is None else or_(found, _condition(item, attribute.also))


def _value(attribute: Attribute, value: str, name: str) -> object:
    if attribute.kind == "date":
        return parse_datetime(value, name)
    if attribute.kind == "number":
        try:
            return float(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not a number", field=name) from None
    if attribute.kind == "boolean":
        if value not in ("true", "false"):
            raise InvalidInput(f"{value!r} is not true or false", field=name)
        return value == "true"
    return value


def _one_condition(item: Filter, attribute: Attribute) -> Any:
    column = attribute.column
    values = [_value(attribute, value, item.attribute) for value in item.values]
    if attribute.kind == "element":
        if item.operator != "eq":
            raise InvalidInput("takes exact values only", field=f"{item.attribute}.{item.operator}")
        return list_has_element(column, attribute.key, [str(value) for value in values])
    if item.operator == "eq":
        return column.in_(values) if len(values) > 1 else column == values[0]
    comparisons = {
        "gt": column > values[0],
        "gte": column >= values[0],
        "lt": column < values[0],
        "lte": column <= values[0],
    }
    return comparisons[item.operator]


@dataclass(frozen=True)
class ListRequest:
    """A parsed TMF list request: filters, page and fields."""

    filters: list[Filter]
    page: Page
    fields: list[str] | None


def list_request(
    params: Mapping[str, list[str]],
    attributes: Mapping[str, Attribute],
    *,
    fields: str | None,
    offset: str | None,
    limit: str | None,
) -> ListRequest:
    """Parse a list request. An attribute without a column is compared in the documents by
    the caller, which decides itself what may be ordered."""
    refuse_repeated(params)
    comparable = {
        name
        for name, attribute in attributes.items()
        if attribute.kind in COMPARABLE_KINDS or attribute.column is None
    }
    return ListRequest(
        filters=parse_filters(params, set(attributes), comparable),
        page=page(offset, limit),
        fields=parse_fields(fields),
    )


def parse_datetime(value: str, field: str) -> datetime:
    try:
        moment = _DATETIME.validate_python(value)
    except ValidationError:
        raise InvalidInput(f"{value!r} is not an ISO 8601 date-time", field=field) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return in_utc_range(moment)
    except ValueError as error:
        raise InvalidInput(f"{value!r} {error}", field=field) from None
