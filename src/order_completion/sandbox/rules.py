"""Pure rules of the sandbox peers: what a resource must hold to be stored (the spec's
mandatory attributes, the shapes of its references, its enumerations), which attributes the
server owns, the JSON merge patch, and which events a change raises.

The facts themselves (per API) are in ``catalog.py``; these functions only apply them, so a
peer refuses exactly what the real one would refuse by its published schema.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The JSON type an attribute has in the spec."""

    STRING = "string"
    DATE_TIME = "date-time"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"


@dataclass(frozen=True)
class Shape:
    """An attribute's type; for references, the keys each one must carry (``required``)
    and the values its enumerated keys may take (``enums``); ``values`` enumerates the
    attribute itself."""

    kind: Kind
    required: tuple[str, ...] = ()
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """One managed resource of a TMF API, as its v4 OpenAPI document describes it."""

    name: str  # productOrder: the path segment and the event payload's key
    type_name: str  # ProductOrder: the default @type and the event names' prefix
    mandatory: tuple[str, ...]  # required in the spec's ``*_Create`` schema
    shapes: Mapping[str, Shape]
    state_attribute: str  # its lifecycle attribute: a change of it is a state change
    owned_on_create: frozenset[str] = frozenset()  # in the resource, not in ``*_Create``
    owned_on_patch: frozenset[str] = frozenset()  # in the resource, not in ``*_Update``
    initial: Mapping[str, str] = field(default_factory=dict)  # set by the server on create
    dated_on_create: tuple[str, ...] = ()  # dates the server sets to the creation moment
    dated_states: Mapping[str, str] = field(default_factory=dict)  # state -> date it stamps


class EventKind(StrEnum):
    """The notifications every resource of these APIs has, by the suffix of their name."""

    CREATE = "CreateEvent"
    ATTRIBUTE_VALUE_CHANGE = "AttributeValueChangeEvent"
    STATE_CHANGE = "StateChangeEvent"
    DELETE = "DeleteEvent"


class Refused(ValueError):
    """A request body the spec does not allow; ``field`` names the attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Every resource also carries these, set only by the server. ``lastUpdate`` is not in the
# v4 schemas (v5 added it); the peers keep it so that a client can ask what changed since.
ALWAYS_OWNED = frozenset({"id", "href", "lastUpdate"})


def refuse_owned(resource: Resource, body: Mapping[str, Any], *, creating: bool) -> None:
    """Attributes the server sets may not be sent: the first one named is refused."""
    owned = ALWAYS_OWNED | (resource.owned_on_create if creating else resource.owned_on_patch)
    named = sorted(key for key in body if key in owned)
    if named:
        raise Refused(named[0], "is set by the server, not by the client")


def check(resource: Resource, document: Mapping[str, Any]) -> None:
    """The document holds every mandatory attribute, and each attribute it has is of its
    spec's shape."""
    for name in resource.mandatory:
        if document.get(name) in (None, "", [], {}):
            raise Refused(name, "is required")
    for name, shape in resource.shapes.items():
        if name in document and document[name] is not None:
            _check_value(name, document[name], shape)


def _check_value(path: str, value: Any, shape: Shape) -> None:
    if shape.kind is Kind.ARRAY:
        if not isinstance(value, list):
            raise Refused(path, "must be an array")
        for index, element in enumerate(value):
            _check_reference(f"{path}[{index}]", element, shape)
    elif shape.kind is Kind.OBJECT:
        _check_reference(path, value, shape)
    elif shape.kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise Refused(path, "must be true or false")
    elif not isinstance(value, str):
        raise Refused(path, "must be a string")
    elif shape.kind is Kind.DATE_TIME and not is_date_time(value):
        raise Refused(path, f"{value!r} is not an ISO 8601 date-time")
    elif shape.values and value not in shape.values:
        raise Refused(path, f"must be one of {', '.join(shape.values)}")


def _check_reference(path: str, value: Any, shape: Shape) -> None:
    if not isinstance(value, dict):
        raise Refused(path, "must be an object")
    for key in shape.required:
        if value.get(key) in (None, ""):
            raise Refused(f"{path}.{key}", "is required")
    for key, allowed in shape.enums.items():
        if key in value and value[key] not in allowed:
            raise Refused(f"{path}.{key}", f"must be one of {', '.join(allowed)}")


def is_date_time(text: str) -> bool:
    return parse_date_time(text) is not None


def parse_date_time(text: str) -> datetime | None:
    """An ISO 8601 date-time (``Z`` or an offset; a date alone is not one), or None."""
    if "T" not in text and " " not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396: objects merge key by key, ``null`` removes, anything else replaces."""
    merged = copy.deepcopy(dict(target))
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        elif isinstance(value, dict):
            merged[key] = merge_patch({}, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def changes(
    resource: Resource, before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[EventKind, ...]:
    """The events a PATCH raises: a state change when the lifecycle attribute moved, an
    attribute value change when anything else did, both when both did, none for no change."""
    state = resource.state_attribute
    kinds = []
    if before.get(state) != after.get(state):
        kinds.append(EventKind.STATE_CHANGE)
    keys = (set(before) | set(after)) - {state, "lastUpdate"}
    if any(before.get(key) != after.get(key) for key in keys):
        kinds.append(EventKind.ATTRIBUTE_VALUE_CHANGE)
    return tuple(kinds)


def stamp_state_date(resource: Resource, document: dict[str, Any], now: str) -> None:
    """A state that has a date of its own (an order's ``completionDate``) gets it when it is
    reached, unless the client gave one."""
    date_attribute = resource.dated_states.get(str(document.get(resource.state_attribute)))
    if date_attribute and not document.get(date_attribute):
        document[date_attribute] = now


def event_type(resource: Resource, kind: EventKind) -> str:
    """``ProductOrderStateChangeEvent``: the spec's name of the notification's schema."""
    return f"{resource.type_name}{kind.value}"


def listener_name(event_type_name: str) -> str:
    """``productOrderStateChangeEvent``: the spec's listener path segment for an event."""
    return event_type_name[:1].lower() + event_type_name[1:]


def canonical_event_type(name: str) -> str:
    """Either spelling a client may use in a hub query, as the events carry it."""
    return name[:1].upper() + name[1:]
