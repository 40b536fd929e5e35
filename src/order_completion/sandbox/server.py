"""The sandbox app: the three peers, the control routes and health on one port, with its
store, HTTP client and notifier opened at start and closed at stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from order_completion.clock import Clock, SystemClock
from order_completion.operations.request_log import RequestLog
from order_completion.sandbox.api import control, peer_router
from order_completion.sandbox.catalog import PEERS
from order_completion.sandbox.control import Faults, PeerControl, ReceivedCalls
from order_completion.sandbox.handlers import Sandbox
from order_completion.sandbox.notify import Notifier
from order_completion.sandbox.store import Store
from order_completion.tmf import errors
from order_completion.tmf.limits import BodySizeLimit
from order_completion.tmf.responses import JsonResponse, json_resource
from order_completion.tmf.text_guard import StorableText

# A listener gets this long to answer a notification.
NOTIFICATION_TIMEOUT_SECONDS = 10.0
BODY_LIMIT_BYTES = 1024 * 1024

DESCRIPTION = """Stand-ins for the systems the service talks to: TMF622 Product Ordering,
TMF637 Product Inventory and TMF629 Customer Management v4, each at its standard root, storing
what they receive in SQLite and notifying hub listeners. `/sandbox/v1` makes them fail on
command and shows what they received and what they sent."""


def create_app(
    database: Path,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    mail_dir: Path | None = None,
) -> FastAPI:
    """The sandbox app over the SQLite file at ``database`` (created when missing);
    ``transport`` carries the hub notifications (tests may give their own); ``mail_dir``
    is where a mail sink keeps what it receives, listed under ``/sandbox/v1/mail``."""
    time = clock or SystemClock()
    faults, requests = Faults(), ReceivedCalls()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await Store.open(database)
        client = httpx.AsyncClient(
            transport=transport, timeout=NOTIFICATION_TIMEOUT_SECONDS, follow_redirects=False
        )
        notifier = Notifier(store, client, time)
        app.state.sandbox = Sandbox(store, notifier, time, faults, requests)
        try:
            yield
        finally:
            await notifier.wait()
            await client.aclose()
            await store.close()

    app = FastAPI(
        title="Order Completion sandbox peers",
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JsonResponse,
    )
    app.state.mail_dir = mail_dir
    errors.install(app)
    for peer in PEERS:
        app.include_router(peer_router(peer))
    app.include_router(control)

    @app.get(
        "/health",
        tags=["sandbox control"],
        summary="Ready when it answers 200",
        description="With the root of each peer API.",
    )
    async def health() -> JsonResponse:
        return json_resource({"status": "ok", "roots": {peer.name: peer.root for peer in PEERS}})

    app.add_middleware(PeerControl, faults=faults, requests=requests, clock=time)
    app.add_middleware(StorableText)
    app.add_middleware(BodySizeLimit, limit=BODY_LIMIT_BYTES)
    # Outermost, as in the service: a crash is logged with its traceback and answered
    # with a TMF error body naming the request id.
    app.add_middleware(RequestLog, observe=_no_metrics)
    return app


def _no_metrics(method: str, route: str, status: int, seconds: float) -> None:
    """The sandbox serves no metrics; the request log needs somewhere to report."""


def describe(host: str, port: int, database: Path) -> list[str]:
    """What ``order-completion sandbox`` prints on start: where each peer answers."""
    base = f"http://{host}:{port}"
    return [
        f"Sandbox peers on {base} (data in {database})",
        *(f"  {peer.title}: {base}{peer.root}" for peer in PEERS),
        f"  faults, requests received, notifications sent: {base}/sandbox/v1",
    ]


def serve(host: str, port: int, database: Path) -> None:
    """Serve the sandbox until interrupted."""
    import uvicorn

    uvicorn.run(create_app(database), host=host, port=port, log_level="warning", access_log=False)
