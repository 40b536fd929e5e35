"""Every event also goes to NATS JetStream, deduplicated by eventId, through the outbox.

The tests start a throwaway nats-server (JetStream on, store in a temporary folder) from the
installed binary; without one they are skipped with the reason, except under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from sqlalchemy import select

from order_completion.bootstrap import DERIVATIONS, Services
from order_completion.events.outbox import OutboxBatch
from order_completion.events.stream import StreamPublisher
from tests.conftest import unavailable
from tests.orders import product_order
from tests.support import open_case, outbox_events


def _binary() -> str | None:
    return shutil.which("nats-server") or (
        "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
    )


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = _binary()
    if binary is None:
        unavailable("NATS suite skipped: no nats-server binary on this machine")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = tmp_path_factory.mktemp("jetstream")
    process = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"nats://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


async def stream_messages(url: str, stream: str) -> list[tuple[str, dict[str, object], str]]:
    client = await nats.connect(url)
    try:
        jetstream = client.jetstream()
        info = await jetstream.stream_info(stream)
        messages = []
        for sequence in range(1, info.state.last_seq + 1):
            message = await jetstream.get_msg(stream, sequence)
            messages.append(
                (
                    message.subject,
                    json.loads(message.data or b"{}"),
                    (message.headers or {}).get("Nats-Msg-Id", ""),
                )
            )
        return messages
    finally:
        await client.close()


async def test_events_are_streamed_once_each_with_their_id(
    services: Services, nats_url: str
) -> None:
    stream = f"TEST_{os.getpid()}_{int(time.time() * 1000)}"
    publisher = StreamPublisher(services.db, services.clock, nats_url, DERIVATIONS, stream=stream)
    try:
        case_id = await open_case(services, product_order())
        assert await publisher.publish_due() > 0
        assert await publisher.publish_due() == 0
        written = await outbox_events(services, case_id)
        messages = await stream_messages(nats_url, stream)
        assert {m[2] for m in messages} == {event["eventId"] for event in written}
        subject, body, message_id = messages[0]
        assert subject == f"orderCompletion.{body['eventType']}"
        assert body["eventId"] == message_id

        # A crash after publishing but before the commit: the rows are published again.
        async with services.db.transaction() as session:
            for row in await session.scalars(select(OutboxBatch)):
                row.streamed_at = None
        await publisher.publish_due()
        again = await stream_messages(nats_url, stream)
        assert len(again) == len(messages)  # the stream dropped the copies by Nats-Msg-Id
    finally:
        await publisher.close()
        client = await nats.connect(nats_url)
        await client.jetstream().delete_stream(stream)
        await client.close()
