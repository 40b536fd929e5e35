"""The operations routes: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from order_completion import __version__
from order_completion.auth.rules import Permission
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.dependencies import allow
from order_completion.events.sealing import SecretBox
from order_completion.operations import readiness
from order_completion.operations.metrics import Metrics
from order_completion.operations.snapshot import read_snapshot
from order_completion.settings import Settings
from order_completion.tmf.errors import error_body


class Alive(BaseModel):
    status: str = "alive"
    version: str = __version__


class Ready(BaseModel):
    status: str = "ready"
    message: str
    version: str = __version__


class OperationsServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def secret_box(self) -> SecretBox: ...


def operations_router(services: OperationsServices, metrics: Metrics) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/health",
        summary="Alive: the process answers",
        description="200 as long as the process answers; it asks nothing of the database "
        "(see /ready), so a database outage never gets a live process restarted.",
    )
    async def health() -> Alive:
        return Alive()

    @router.get(
        "/ready",
        summary="Ready: the database answers and has the current schema",
        description="200 when the database is reachable, its migrations are at the "
        "revision this version needs and the configured keys open every enabled hub's "
        "secret; otherwise 503 with an error body saying which.",
        response_model=Ready,
        responses={
            503: {
                "description": "Database unreachable, migrations pending, database newer than "
                "this version, or hub secrets no configured key opens"
            }
        },
    )
    async def ready() -> Any:
        state = await readiness.check(services.db, readiness.head_revisions(), services.secret_box)
        if not state.ready:
            body = error_body(503, state.reason, state.message, code="503")
            return JSONResponse(body, status_code=503)
        return Ready(message=state.message)

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        description="Requests by route and status with latency histograms, cases by state, "
        "waiting steps, jeopardy, timers and their lag, the outbox backlog, delivery attempts "
        "and inbound events, in the Prometheus text format. Open unless the "
        "`metrics_need_token` setting asks for a token with read permission.",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
        # Declared like every route's check, so the gate refuses before anything runs.
        dependencies=allow(Permission.READ) if services.settings.metrics_need_token else [],
    )
    async def metrics_page() -> Response:
        # No await between taking the snapshot and rendering it: one scrape, one snapshot.
        metrics.work.snapshot = await read_snapshot(services.db, services.clock.now())
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
