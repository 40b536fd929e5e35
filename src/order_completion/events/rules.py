"""Pure rules of hubs: matching an event against a subscription's TMF630 ``query``, what a
callback must be, who sees a hub and its credentials, and how many one caller may hold.

A query is a URL query string: ``eventType=completionCaseMilestoneEvent`` or
``eventType=a,b&event.completionCase.state=active``. Every named attribute must match one of
its comma-separated values; dotted names walk into the event envelope, and through lists (any
element may match).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit


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
    return host_name_problem(parts.hostname)


LONGEST_HOST_NAME = 253


def host_name_problem(host: str) -> str | None:
    """Why ``host`` is no name a resolver can look up, or None: a name must encode to
    IDNA (every label from 1 to 63 characters) and stay within 253 characters. An IP
    address literal is not a name and passes."""
    if ":" in host or host.replace(".", "").isdigit():
        return None
    try:
        encoded = host.encode("idna")
    except UnicodeError:
        return "has a host name that is not valid (each label from 1 to 63 characters)"
    if len(encoded.rstrip(b".")) > LONGEST_HOST_NAME:
        return f"has a host name longer than {LONGEST_HOST_NAME} characters"
    return None


@dataclass(frozen=True)
class HubCaller:
    """Who asks about hubs: the key of their credential, whether they administer every
    hub, and whether they may manage hubs at all."""

    key: str
    admin: bool
    manages_hubs: bool

    def owners_seen(self) -> frozenset[str] | None:
        """The owners whose hubs this caller sees, None for every hub (an administrator).
        A caller sees its own hubs only; one without a credential key owns none, so it
        cannot see hubs stored with an empty owner, and a hub registered before hubs had
        owners (owner None) belongs to nobody. ``sees`` and the SQL of the listing both
        read this, so they cannot disagree."""
        if self.admin:
            return None
        return frozenset({self.key}) if self.key else frozenset()

    def sees(self, owner: str | None) -> bool:
        """Whether the hub of ``owner`` is visible to this caller (see ``owners_seen``)."""
        seen = self.owners_seen()
        return seen is None or (owner is not None and owner in seen)

    def sees_credentials(self, owner: str | None) -> bool:
        """Callback credentials and receivers' answers are for whoever may manage the hub:
        a caller who may see it but not manage hubs (a viewer now) gets them redacted."""
        return self.manages_hubs and self.sees(owner)


REDACTED = "***"


def redacted_url(url: str) -> str:
    """``url`` without what may be a credential: the user and password before the host
    become ``***``, and so does every query value (the names stay, to tell them apart)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(
        f"{name}={REDACTED}" if value else name
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment and REDACTED))


def over_the_cap(held: int, cap: int) -> str | None:
    """Why a caller already holding ``held`` subscriptions may not register another, or
    None: one caller's registrations are bounded, so none can fill the delivery tables."""
    if held >= cap:
        return (
            f"this caller already holds {held} subscriptions, the limit "
            f"(ORDER_COMPLETION_MAX_SUBSCRIPTIONS_PER_OWNER is {cap}); remove one first"
        )
    return None
