"""What the TM Forum v4 conformance kits do, against the official schemas kept beside this
file (``schemas/``, extracted from the published Swagger files; see its README).

A kit POSTs a resource with only the mandatory attributes of its ``*_Create`` definition,
reads it back by id, lists it, filters on each mandatory attribute by the exact value the
server answered (every string inside it: ``validFor.startDateTime``, ``channel.id`` of each
channel), asks for ``fields``, and checks every body against the resource's definition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft4Validator, FormatChecker

SCHEMAS = Path(__file__).parent / "schemas"
DATE_TIMES = FormatChecker(formats=())


@DATE_TIMES.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-times, with their offset (``Z`` or ``±hh:mm``)."""
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@cache
def definitions(api: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAS / f"{api}.json").read_text())
    found: dict[str, Any] = document["definitions"]
    return found


@cache
def _validator(api: str, name: str) -> Draft4Validator:
    schema = {"$ref": f"#/definitions/{name}", "definitions": definitions(api)}
    return Draft4Validator(schema, format_checker=DATE_TIMES)


def problems(api: str, name: str, body: Any) -> list[str]:
    """Every way ``body`` breaks the official ``name`` definition, as readable lines."""
    found = _validator(api, name).iter_errors(body)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in found)


def assert_conforms(api: str, name: str, body: Any) -> None:
    wrong = problems(api, name, body)
    assert not wrong, f"{name} breaks the {api.upper()} schema:\n" + "\n".join(wrong)


def mandatory(api: str, create: str) -> list[str]:
    """The attributes the specification requires on create."""
    required: list[str] = definitions(api)[create].get("required", [])
    return required


def leaves(name: str, value: Any) -> Iterator[tuple[str, str]]:
    """Filter parameters for an attribute's exact value: a string as itself, an object by
    each of its string attributes (``validFor.startDateTime``), a list by each of its items
    (``channel.id`` of every channel). ``@``-attributes name types, not values to filter by."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if not key.startswith("@"):
                yield from leaves(f"{name}.{key}", inner)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(name, item)


async def read(client: httpx.AsyncClient, url: str, **params: str) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def run(
    client: httpx.AsyncClient,
    *,
    api: str,
    resource: str,
    url: str,
    body: dict[str, Any],
    filters: list[tuple[str, str]],
    fields: str,
) -> dict[str, Any]:
    """The kit's round: create, read, list, filter (on ``filters`` and on every mandatory
    attribute), select fields; every body checked."""
    created = await client.post(url, json=body)
    assert created.status_code == 201, created.text
    made: dict[str, Any] = created.json()
    assert_conforms(api, resource, made)
    assert created.headers["Location"] == made["href"]

    by_id = await read(client, f"{url}/{made['id']}")
    assert_conforms(api, resource, by_id)
    assert by_id == made

    listed = await read(client, url)
    for item in listed:
        assert_conforms(api, resource, item)
    assert made["id"] in [item["id"] for item in listed]

    required = mandatory(api, f"{resource}_Create")
    by_mandatory = [leaf for name in required for leaf in leaves(name, made.get(name))]
    for name, value in [*filters, *by_mandatory]:
        found = await read(client, url, **{name: value})
        for item in found:
            assert_conforms(api, resource, item)
        assert made["id"] in [item["id"] for item in found], f"filter {name}={value}"

    chosen = await read(client, f"{url}/{made['id']}", fields=fields)
    assert_conforms(api, resource, chosen)
    wanted = set(fields.split(","))
    assert set(chosen) - {"id", "href", "@type"} == wanted
    assert {name: chosen[name] for name in wanted} == {name: made[name] for name in wanted}
    selected = await read(client, url, fields=fields)
    for item in selected:
        assert_conforms(api, resource, item)
        assert set(item) - {"id", "href", "@type"} == wanted
    return made


async def every_one(
    client: httpx.AsyncClient, *, api: str, resource: str, url: str
) -> list[dict[str, Any]]:
    """Every resource at ``url``, each checked as listed and as read by its ``href``."""
    listed: list[dict[str, Any]] = await read(client, url, limit="1000")
    for item in listed:
        assert_conforms(api, resource, item)
        assert_conforms(api, resource, await read(client, item["href"]))
    return listed


async def hub_round(client: httpx.AsyncClient, *, api: str, base: str) -> None:
    """Register a listener with only the mandatory ``callback``, read it, remove it."""
    assert mandatory(api, "EventSubscription") == ["id", "callback"]
    created = await client.post(f"{base}/hub", json={"callback": "http://127.0.0.1:8899/kit"})
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert_conforms(api, "EventSubscription", subscription)
    read_back = await read(client, f"{base}/hub/{subscription['id']}")
    assert_conforms(api, "EventSubscription", read_back)
    assert (await client.delete(f"{base}/hub/{subscription['id']}")).status_code == 204
