"""The wiring of the link to order management (TMF622): with its root configured, the
worker registers our listener at its hub and reconciles its orders now and then."""

from __future__ import annotations

from datetime import timedelta

from order_completion.bootstrap.services import Services
from order_completion.orders.peering import OrderManagementLink

LISTENER_PATH = "/tmf-api/orderCompletion/v1/listener/productOrderStateChangeEvent"


def order_management_link(services: Services) -> OrderManagementLink | None:
    """With TMF622 configured: register our listener at its hub (when this service has a
    public URL to give) and reconcile its orders now and then."""
    ordering = services.peers.product_order
    if ordering is None:
        return None
    settings = services.settings
    token = settings.tmf622_listener_token
    return OrderManagementLink(
        db=services.db,
        clock=services.clock,
        intake=services.intake,
        ordering=ordering,
        uow=services.uow,
        every=timedelta(seconds=settings.reconcile_seconds),
        callback=f"{services.base_url}{LISTENER_PATH}" if services.base_url else None,
        listener_headers={"Authorization": f"Bearer {token.get_secret_value()}"} if token else {},
    )
