"""A running server delivers to a listener registered on this machine, and the ledger shows
it: what the README's demo does."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from tests.conftest import ADMIN_TOKEN
from tests.e2e.conftest import start_server, stop_server
from tests.orders import BASE, product_order
from tests.receiver import Receiver


async def test_a_listener_on_this_machine_receives_and_the_ledger_shows_it(
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    await receiver.start()
    server = await asyncio.to_thread(
        start_server, tmp_path, f"sqlite:///{tmp_path / 'd.db'}", callback_allowlist="127.0.0.1"
    )
    try:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            hub = (
                await client.post(
                    f"{BASE}/hub",
                    json={
                        "callback": f"{receiver.url}/hooks",
                        "query": "eventType=completionCaseMilestoneEvent",
                    },
                )
            ).json()
            await client.post(f"{BASE}/completionCase", json={"productOrder": product_order()})
            deadline = time.monotonic() + 20
            delivered: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                delivered = (
                    await client.get(f"{hub['href']}/delivery", params={"status": "delivered"})
                ).json()
                if len(delivered) == 4:
                    break
                await asyncio.sleep(0.2)
        assert len(delivered) == 4
        assert len(receiver.received) == 4
        for request in receiver.received:
            Webhook(hub["secret"]).verify(request.body, request.headers)
    finally:
        await asyncio.to_thread(stop_server, server)
        await receiver.stop()
