"""A stateful fake BigCommerce store behind respx, for tests and demos.

`BigCommerceStore.mount(router)` answers every request under the store's API URL the way
the documented endpoints do (fake_rest.py answers them). It can refuse one item's
next write with the documented 422, throttle the next requests with a 429, and produce
webhook deliveries in BigCommerce's shape, signed the Standard Webhooks way.

One difference from BigCommerce: adjustments apply at once, where BigCommerce applies them
asynchronously (the connector acknowledges on acceptance either way).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import respx

from connectors.bigcommerce.connector import MESSAGE_ID, SIGNATURE, TIMESTAMP, sign
from connectors.bigcommerce.fake_rest import StoreApi

STATUS_NAMES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    14: "Partially Refunded",
}


@dataclass
class BigCommerceStore(StoreApi):
    store_hash: str = "fakestore"
    access_token: str = "dummy-access-token"  # a dummy for tests
    client_secret: str = "dummy-client-secret"  # a dummy for tests
    location_id: int = 1
    webhook_header: tuple[str, str] | None = None
    clock: Callable[[], float] = time.time
    """The time deliveries are signed at (Unix seconds)."""
    api_base_url: str | None = None
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    variants: list[dict[str, Any]] = field(default_factory=list)
    levels: dict[tuple[int, int], int] = field(default_factory=dict)
    """total_inventory_onhand by (location id, variant id)."""
    failing: set[int] = field(default_factory=set)
    """Variant ids whose next write is refused with the documented 422, once each."""
    throttled: list[int] = field(default_factory=list)
    """Time-Reset-Ms of the 429s the next requests get, one per request."""
    fail_next: list[httpx.Response] = field(default_factory=list)
    quota: int = 150
    left: int = 150
    reset_ms: int = 15000
    write_calls: int = 0
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))

    @property
    def base_url(self) -> str:
        default = f"https://api.bigcommerce.com/stores/{self.store_hash}"
        return (self.api_base_url or default).rstrip("/")

    def mount(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=self.base_url + "/").mock(side_effect=self)

    # --- the merchant's side -------------------------------------------------------------

    def add_order(
        self, order_id: int, lines: Sequence[tuple[str, int]], modified: datetime, status: int = 11
    ) -> None:
        """An order of (SKU, quantity) lines, each with its own order product id."""
        self.orders[order_id] = {"id": order_id, "date_created": _rfc(modified)}
        self.products[order_id] = [
            {
                "id": next(self._ids),
                "order_id": order_id,
                "product_id": 77,
                "variant_id": 0,
                "name": sku,
                "sku": sku,
                "type": "physical",
                "quantity": quantity,
                "quantity_shipped": 0,
                "quantity_refunded": 0,
                "is_refunded": False,
                "refund_amount": "0.0000",
                "return_id": 0,
            }
            for sku, quantity in lines
        ]
        self.update_order(order_id, modified, status=status)

    def update_order(
        self,
        order_id: int,
        modified: datetime,
        *,
        status: int | None = None,
        shipped: Mapping[str, int] | None = None,
    ) -> None:
        """Moves the order's status and adds shipped units by SKU."""
        order = self.orders[order_id]
        for product in self.products[order_id]:
            product["quantity_shipped"] += (shipped or {}).get(product["sku"], 0)
        if status is not None:
            order.update(status_id=status, status=STATUS_NAMES.get(status, "Pending"))
        products = self.products[order_id]
        order.update(
            date_modified=_rfc(modified),
            items_total=sum(product["quantity"] for product in products),
            items_shipped=sum(product["quantity_shipped"] for product in products),
            is_deleted=False,
            products={"url": f"{self.base_url}/v2/orders/{order_id}/products", "resource": ""},
        )

    def refund(
        self, order_id: int, refund_id: int, units: Mapping[str, int], modified: datetime
    ) -> None:
        """A refund of units by SKU, as the control panel's Refund action records it."""
        items = []
        for product in self.products[order_id]:
            if quantity := units.get(product["sku"], 0):
                product["quantity_refunded"] += quantity
                product["is_refunded"] = True
                item = {"item_type": "PRODUCT", "item_id": product["id"], "quantity": quantity}
                items.append({**item, "reason": "Customer request", "requested_amount": "10.00"})
        created = modified.astimezone(UTC).isoformat()
        payment = {"id": refund_id, "provider_id": "storecredit", "amount": 10, "offline": True}
        self.refunds.setdefault(order_id, []).append(
            {"id": refund_id, "order_id": order_id, "created": created, "items": items}
            | {"reason": "", "total_amount": 10, "total_tax": 0, "payments": [payment]}
        )
        everything = all(p["quantity_refunded"] >= p["quantity"] for p in self.products[order_id])
        self.update_order(order_id, modified, status=4 if everything else 14)

    def add_variant(
        self, sku: str | None, product_id: int | None = None, *, upc: str = "", gtin: str = ""
    ) -> int:
        """A catalog variant; `upc` and `gtin` are "" when the merchant gave none."""
        variant_id = next(self._ids)
        self.variants.append(
            {"id": variant_id, "product_id": product_id or variant_id + 10000, "sku": sku or ""}
            | {"sku_id": None, "option_values": [], "inventory_level": 0}
            | {"upc": upc, "gtin": gtin, "mpn": ""}
        )
        return variant_id

    def level(self, variant_id: int | str) -> int:
        return self.levels.get((self.location_id, int(variant_id)), 0)

    def delivery(
        self, scope: str, order_id: int, *, refund_id: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook as BigCommerce POSTs it: the documented payload, signed headers."""
        now = int(self.clock())
        data: dict[str, Any] = {"type": "order", "id": order_id}
        if refund_id is not None:
            data["refund"] = {"refund_id": refund_id}
        payload: dict[str, Any] = {"scope": scope, "store_id": "1025646", "data": data}
        payload |= {"created_at": now, "producer": f"stores/{self.store_hash}"}
        payload["hash"] = hashlib.sha1(json.dumps(payload).encode()).hexdigest()
        body = json.dumps(payload).encode()
        message_id = f"msg_{hashlib.sha1(body).hexdigest()[:20]}"
        headers = {"Content-Type": "application/json", MESSAGE_ID: message_id}
        headers[TIMESTAMP] = str(now)
        headers[SIGNATURE] = sign(self.client_secret, message_id, str(now), body)
        if self.webhook_header is not None:
            headers[self.webhook_header[0]] = self.webhook_header[1]
        return body, headers


def _rfc(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC))
