"""TMF637 Product Inventory: one product per order item, active from the start-of-service
date (or terminated for a deleted item).

A product is looked up by the order item it came from before one is created, and a
product id already known (an item that modifies or deletes an existing product, or the id
a previous attempt got back) is patched directly: a repeat never creates a second product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from order_completion.integrations.errors import PermanentFailure
from order_completion.integrations.peer import Peer
from order_completion.integrations.product_order import PATCH_HEADERS


@dataclass(frozen=True)
class ProductActivation:
    order_id: str
    item_id: str
    action: str
    status: str  # active, or terminated for a delete
    date: str  # the start of service (startDate), or the termination date
    customer_id: str
    customer_name: str | None
    offering_id: str | None
    offering_name: str | None
    product_id: str | None  # known already: patch it


def _order_item(update: ProductActivation) -> dict[str, Any]:
    return {
        "orderItemId": update.item_id,
        "productOrderId": update.order_id,
        "orderItemAction": update.action,
        "@referredType": "ProductOrderItem",
    }


def _product(update: ProductActivation) -> dict[str, Any]:
    dated = "startDate" if update.status == "active" else "terminationDate"
    body: dict[str, Any] = {"status": update.status, dated: update.date}
    body["productOrderItem"] = [_order_item(update)]
    party: dict[str, Any] = {"id": update.customer_id, "role": "customer"}
    if update.customer_name:
        party["name"] = update.customer_name
    body["relatedParty"] = [{**party, "@referredType": "Customer"}]
    if update.offering_id:
        offering = {"id": update.offering_id, "@referredType": "ProductOffering"}
        if update.offering_name:
            offering["name"] = update.offering_name
        body["productOffering"] = offering
        body["name"] = update.offering_name or update.offering_id
    return body


# The longest product id kept on an order item (its column).
PRODUCT_ID_LENGTH = 200


def _product_id(created: Any) -> str:
    """The id the inventory gave the new product; one we could not keep is the peer's
    fault, and asking again will not change it."""
    value = created.get("id") if isinstance(created, dict) else None
    if not isinstance(value, str) or not 0 < len(value) <= PRODUCT_ID_LENGTH:
        raise PermanentFailure(
            f"TMF637 gave the new product no id of 1 to {PRODUCT_ID_LENGTH} characters"
        )
    return value


@dataclass
class ProductInventory:
    peer: Peer

    async def settle(self, update: ProductActivation) -> dict[str, Any]:
        """The product of the item, created or patched; its id is kept by the caller."""
        product_id = update.product_id or await self._find(update)
        body = _product(update)
        if product_id is None:
            created = await self.peer.request("POST", "product", json=body)
            product_id = _product_id(created)
        else:
            patch = {key: value for key, value in body.items() if key != "productOrderItem"}
            await self.peer.request(
                "PATCH", f"product/{quote(product_id, safe='')}", json=patch, headers=PATCH_HEADERS
            )
        return {"productId": product_id, "status": update.status, "orderItemId": update.item_id}

    async def _find(self, update: ProductActivation) -> str | None:
        found = await self.peer.request(
            "GET",
            "product",
            params={
                "productOrderItem.orderItemId": update.item_id,
                "productOrderItem.productOrderId": update.order_id,
                "fields": "id,productOrderItem",
            },
        )
        for product in found or []:
            items = product.get("productOrderItem") or []
            if any(
                item.get("orderItemId") == update.item_id
                and item.get("productOrderId") == update.order_id
                for item in items
                if isinstance(item, dict)
            ):
                return _product_id(product)
        return None
