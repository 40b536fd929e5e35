"""A lean HTTP/1.1 client for the benchmarks: kept-alive connections on asyncio streams,
each request written as one buffer, each response read by its length.

The client shares the machine with the server it measures. httpx spends more CPU on a
request than a lean route spends answering it (about 2 ms where httpcore looks up an
optional package on every request), so over 32 connections it measured itself: a few
hundred requests a second against thousands from this client, to the same minimal app.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from order_completion.bench.measure import Result


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class Connection:
    """One kept-alive connection; requests go one after the other."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.host = host

    @classmethod
    async def open(cls, base: str) -> Connection:
        parts = urlsplit(base)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, parts.netloc)

    @property
    def local_port(self) -> int:
        """This end's port: how the server side of the connection is told apart."""
        port: int = self.writer.get_extra_info("sockname")[1]
        return port

    async def send(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"content-length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return await self._answer()

    async def _answer(self) -> Answer:
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:] if line)
        }
        if fields.get("transfer-encoding", "").lower() == "chunked":
            return Answer(status, await self._chunks())
        return Answer(status, await self.reader.readexactly(int(fields.get("content-length", 0))))

    async def _chunks(self) -> bytes:
        body = bytearray()
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            body += await self.reader.readexactly(size)
            await self.reader.readline()
        await self.reader.readline()  # the blank line after the last chunk
        return bytes(body)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


# One request: its method, its path and its body.
Request = tuple[str, str, bytes]


async def post_all(
    base: str,
    path: str,
    bodies: Sequence[bytes],
    headers: Mapping[str, str],
    connections: int,
    label: str,
    database: str,
) -> tuple[Result, list[Answer]]:
    """POST every body to ``path``; see ``send_all``."""
    requests = [("POST", path, body) for body in bodies]
    return await send_all(base, requests, headers, connections, label, database)


async def send_all(
    base: str,
    requests: Sequence[Request],
    headers: Mapping[str, str],
    connections: int,
    label: str,
    database: str,
) -> tuple[Result, list[Answer]]:
    """Send every request over ``connections`` connections opened beforehand; time each
    request and the whole. The answers come back in the order of ``requests``."""
    lanes = [await Connection.open(base) for _ in range(min(connections, len(requests)))]
    try:
        return await send_over(lanes, requests, headers, label, database)
    finally:
        for connection in lanes:
            await connection.close()


async def send_over(
    lanes: Sequence[Connection],
    requests: Sequence[Request],
    headers: Mapping[str, str],
    label: str,
    database: str,
) -> tuple[Result, list[Answer]]:
    """Send every request over connections already open, one request in flight on each;
    time each request and the whole. The answers come back in the order of ``requests``."""
    waiting = deque(enumerate(requests))
    answers: list[Answer | None] = [None] * len(requests)
    latencies: list[float] = []

    async def lane(connection: Connection) -> None:
        while waiting:
            index, (method, path, body) = waiting.popleft()
            began = time.perf_counter()
            answers[index] = await connection.send(method, path, body, headers)
            latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    await asyncio.gather(*(lane(connection) for connection in lanes))
    seconds = time.perf_counter() - started
    done = [answer for answer in answers if answer is not None]
    return Result(label, database, len(requests), seconds, latencies), done
