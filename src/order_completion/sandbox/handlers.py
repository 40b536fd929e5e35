"""What the peers do with each request: create, change and delete resources, register and
remove hub listeners, read and list. Every change is checked against the spec's rules,
stored in one commit, and then announced to the hub."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from order_completion.clock import Clock
from order_completion.errors import InvalidInput, NotFound
from order_completion.events.rules import QueryError, callback_problem
from order_completion.sandbox import filters
from order_completion.sandbox.catalog import PeerApi
from order_completion.sandbox.control import Faults, ReceivedCalls
from order_completion.sandbox.notify import DeliveryStyle, Notifier, criteria_of
from order_completion.sandbox.rules import (
    EventKind,
    Refused,
    changes,
    check,
    event_type,
    merge_patch,
    refuse_owned,
    stamp_state_date,
)
from order_completion.sandbox.store import Store
from order_completion.tmf.query import select_fields

T = TypeVar("T")


def _as_input_error(step: Callable[[], T]) -> T:
    """Run a rule; what it refuses becomes the 400 naming the attribute."""
    try:
        return step()
    except Refused as refused:
        raise InvalidInput(refused.message, field=refused.field) from None


@dataclass(frozen=True)
class HubRegistration:
    callback: str
    query: str | None
    delivery_style: DeliveryStyle
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Listed:
    items: list[dict[str, Any]]
    total: int


@dataclass
class Sandbox:
    """The peers' services, built once per app by ``server.py``."""

    store: Store
    notifier: Notifier
    clock: Clock
    faults: Faults
    requests: ReceivedCalls

    def _now(self) -> datetime:
        """Now, to the millisecond: the stored column and the document's ``lastUpdate``
        then say exactly the same moment, so ``lastUpdate.gt`` with a value read back from
        a document never finds that document again."""
        now = self.clock.now().astimezone(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    async def create(self, peer: PeerApi, body: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        resource = peer.resource
        _as_input_error(lambda: refuse_owned(resource, body, creating=True))
        now = self._now()
        resource_id = str(uuid.uuid4())
        document = {
            "id": resource_id,
            "href": f"{base_url.rstrip('/')}{peer.root}/{resource.name}/{resource_id}",
            "@type": resource.type_name,
            **body,
            **resource.initial,
            **dict.fromkeys(resource.dated_on_create, _stamp(now)),
            "lastUpdate": _stamp(now),
        }
        _as_input_error(lambda: check(resource, document))
        async with self.store.writing():
            await self.store.add(
                resource.name, document, document.get(resource.state_attribute), now
            )
        await self.notifier.announce(peer, EventKind.CREATE, document)
        return document

    async def patch(
        self, peer: PeerApi, resource_id: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A JSON merge patch; ``lastUpdate`` moves only when something changed."""
        resource = peer.resource
        _as_input_error(lambda: refuse_owned(resource, patch, creating=False))
        async with self.store.writing():
            before = await self._existing(peer, resource_id)
            after = merge_patch(before, patch)
            _as_input_error(lambda: check(resource, after))
            kinds = changes(resource, before, after)
            if kinds:
                now = self._now()
                stamp_state_date(resource, after, _stamp(now))
                after["lastUpdate"] = _stamp(now)
                await self.store.replace(
                    resource.name, after, after.get(resource.state_attribute), now
                )
        for kind in kinds:
            await self.notifier.announce(peer, kind, after)
        return after

    async def delete(self, peer: PeerApi, resource_id: str) -> None:
        async with self.store.writing():
            document = await self._existing(peer, resource_id)
            await self.store.remove(peer.resource.name, resource_id)
        await self.notifier.announce(peer, EventKind.DELETE, document)

    async def read(self, peer: PeerApi, resource_id: str, fields: str | None) -> dict[str, Any]:
        document = await self._existing(peer, resource_id)
        wanted = [name.strip() for name in fields.split(",") if name.strip()] if fields else None
        return select_fields(document, wanted)

    async def list(self, peer: PeerApi, params: Mapping[str, list[str]]) -> Listed:
        selection = filters.select(peer.resource, params)
        documents = await self.store.documents(peer.resource.name, selection.in_sql)
        kept = [doc for doc in documents if filters.keep(doc, selection.on_documents)]
        page = selection.request.page
        items = kept[page.offset : page.offset + page.limit]
        return Listed([select_fields(doc, selection.request.fields) for doc in items], len(kept))

    async def register(self, peer: PeerApi, registration: HubRegistration) -> dict[str, Any]:
        problem = callback_problem(registration.callback)
        if problem:
            raise InvalidInput(problem, field="callback")
        try:
            criteria = criteria_of(registration.query)
        except QueryError as error:
            raise InvalidInput(str(error), field="query") from None
        known = {event_type(peer.resource, kind) for kind in EventKind}
        unknown = sorted(criteria.get("eventType", set()) - known)
        if unknown:
            message = f"unknown event type {unknown[0]}; {peer.name} has {', '.join(sorted(known))}"
            raise InvalidInput(message, field="query")
        hub = {
            "id": str(uuid.uuid4()),
            "api": peer.name,
            "callback": registration.callback,
            "query": registration.query,
            "delivery_style": registration.delivery_style.value,
            "headers": dict(registration.headers) if registration.headers else None,
        }
        await self.store.add_hub(hub)
        return {
            "id": hub["id"],
            "callback": registration.callback,
            "query": registration.query,
            "deliveryStyle": registration.delivery_style.value,
        }

    async def unregister(self, peer: PeerApi, hub_id: str) -> None:
        if not await self.store.remove_hub(peer.name, hub_id):
            raise NotFound(f"no hub listener {hub_id} on {peer.name}", field="id")

    async def _existing(self, peer: PeerApi, resource_id: str) -> dict[str, Any]:
        document = await self.store.get(peer.resource.name, resource_id)
        if document is None:
            raise NotFound(f"no {peer.resource.name} {resource_id}", field="id")
        return document


def _stamp(moment: datetime) -> str:
    """``2026-11-27T10:00:00.123Z``: UTC to the millisecond, as the column keeps it."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
