"""The FastAPI application: every feature router, TMF error handling, the operations
routes (health, readiness, metrics, offline docs), and the worker running in the same
process when asked."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from order_completion import __version__, logs
from order_completion.acceptance.api import router as acceptance_router
from order_completion.appointment_api.api import router as appointments_router
from order_completion.attachments.api import UPLOAD_PATH
from order_completion.attachments.api import router as attachments_router
from order_completion.auth.gate import AuthenticateFirst
from order_completion.bootstrap import Services, build_services
from order_completion.cases.api import router as cases_router
from order_completion.cases.ports import CaseServices
from order_completion.certificates.api import router as certificates_router
from order_completion.commissioning.api import router as commissioning_router
from order_completion.customer_records.api import router as customer_update_router
from order_completion.events.api import HubServices, ledger_router
from order_completion.events.catalog import Api
from order_completion.events.hub_api import hub_router
from order_completion.interactions.api import router as interactions_router
from order_completion.operations.api import operations_router
from order_completion.operations.docs import docs_router
from order_completion.operations.metrics import Metrics, Tallies
from order_completion.operations.request_log import RequestLog
from order_completion.orders.api import OrderServices
from order_completion.orders.api import router as orders_router
from order_completion.policies.api import PolicyServices
from order_completion.policies.api import router as policies_router
from order_completion.portal.api import PortalServices, portal_router
from order_completion.portal.link_api import LinkServices
from order_completion.portal.link_api import router as customer_link_router
from order_completion.processflow.api import FlowServices
from order_completion.processflow.api import router as processflow_router
from order_completion.reports.api import ReportServices
from order_completion.reports.api import router as reports_router
from order_completion.settings import Settings
from order_completion.surveys.api import router as surveys_router
from order_completion.tmf import errors
from order_completion.tmf.limits import BodySizeLimit
from order_completion.tmf.text_guard import StorableText
from order_completion.training.api import router as training_router
from order_completion.web.shell import PageServices
from order_completion.web.site import UPLOAD_PAGE, install_pages

DESCRIPTION = """Runs the TM Forum eTOM process *Complete Customer Order* (1.3.3.4): after a
product order is delivered, a **completion case** runs its policy's steps: ready-for-service
notice, commissioning test with the customer, acceptance (explicit, rejected, or deemed when
the window passes), customer records update, training and a satisfaction survey. Every change
is written to the case history and, as a TMF event, to the outbox."""


def routers_can_use(
    services: Services,
) -> tuple[
    CaseServices,
    OrderServices,
    FlowServices,
    HubServices,
    PolicyServices,
    PortalServices,
    LinkServices,
    ReportServices,
    PageServices,
]:
    """Routers see the services through their own narrow protocols; this makes mypy check
    that the composition root's services satisfy every one of them."""
    return (
        services,
        services,
        services,
        services,
        services,
        services,
        services,
        services,
        services,
    )


# Set by ``serve`` for the API processes it starts: whether each also runs the worker.
RUN_WORKER_ENV = "ORDER_COMPLETION_SERVE_WORKER"


def app_from_environment() -> FastAPI:
    """The app of one of several API processes (``serve --workers N``): each process builds
    its own services from the environment, as ``serve`` was given it."""
    settings = Settings()
    logs.configure(settings.log_level)
    services = build_services(settings)
    return create_app(services, run_worker=os.environ.get(RUN_WORKER_ENV, "1") == "1")


def create_app(services: Services, *, run_worker: bool = False) -> FastAPI:
    """Build the app around ready-made services; ``run_worker`` also fires timers here."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(services.worker.run(stop)) if run_worker else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                with suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="Order Completion",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by docs_router from an installed package, not a CDN
        redoc_url=None,
    )
    app.state.services = services
    counted = services.tallies
    metrics = Metrics(Tallies(counted.delivery_verdicts, counted.inbound_results))
    errors.install(app)
    app.include_router(operations_router(services, metrics))
    app.include_router(docs_router(app))
    # Routes are matched in the order they were added: the reads most called come first.
    routers = [
        cases_router,
        processflow_router,
        interactions_router,
        appointments_router,
        orders_router,
        commissioning_router,
        acceptance_router,
        training_router,
        surveys_router,
        customer_update_router,
        certificates_router,
        policies_router,
        attachments_router,
        customer_link_router,
        reports_router,
        portal_router,
    ]
    for api in Api:
        routers += [hub_router(api), ledger_router(api)]
    for router in routers:
        app.include_router(router)
    # The staff pages (sign-in, workspace, case pages) and their static files: signed
    # session cookies, not bearer tokens, so the gate below lets them through.
    install_pages(app, services.settings)
    # The last added runs first: the request log sees every request and answer (and answers
    # an exception nothing else handled with a 500, keeping the connection); the caller is
    # authenticated before any body is read; the size limit bounds what the text check reads.
    app.add_middleware(StorableText)
    app.add_middleware(
        BodySizeLimit,
        limit=services.settings.max_body_bytes,
        larger=[
            (UPLOAD_PATH, services.settings.attachment_max_bytes),
            (UPLOAD_PAGE, services.settings.attachment_max_bytes),
        ],
    )
    app.add_middleware(AuthenticateFirst, authenticator=services.auth)
    app.add_middleware(RequestLog, observe=metrics.observe)
    return app
