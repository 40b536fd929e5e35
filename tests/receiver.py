"""A real HTTP receiver on 127.0.0.1 for delivery tests: records every request and answers
with whatever the test scripts (status codes, Retry-After, slowness)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """Answers 200 unless ``answers`` holds scripted (status, headers, delay) for next calls."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: deque[tuple[int, dict[str, str], float]] = field(default_factory=deque)
    answer_body: bytes = b'{"ok": true}'
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(
        self, *statuses: int, headers: dict[str, str] | None = None, delay: float = 0.0
    ) -> None:
        for status in statuses:
            self.answers.append((status, headers or {}, delay))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender died mid-request (a killed worker): nothing was delivered
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, body))
        status, extra, delay = self.answers.popleft() if self.answers else (200, {}, 0.0)
        if delay:
            await asyncio.sleep(delay)
        answer = self.answer_body
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    *[(k.encode(), v.encode()) for k, v in extra.items()],
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    async def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 - uvicorn offers only a flag
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
