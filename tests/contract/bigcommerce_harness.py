"""The BigCommerce connector under the contract: id-only webhooks, a stateful REST API.

BigCommerce's webhooks carry ids only, so each story step first changes the fake store
(connectors.bigcommerce.testing) the way the merchant's action would, then yields the
signed delivery that action sends; the connector reads the order back through respx.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import httpx
import respx

from connectors.base import Connector
from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import SIGNATURE, BigCommerceConnector
from connectors.bigcommerce.testing import BigCommerceStore

from .harness import SKU_A, SKU_B, Signed, Sleep

NOW = 1_793_534_400.0  # the signing time of every delivery, and the connector's clock
ORDER_ID, REFUND_ID = 250, 3
CREATED = datetime(2026, 11, 1, 12, tzinfo=UTC)
AWAITING_FULFILLMENT, SHIPPED, PARTIALLY_SHIPPED, CANCELLED = 11, 2, 3, 5


class Harness:
    kind = "bigcommerce"
    signature_header = SIGNATURE
    unsupported: Mapping[str, str] = {
        "refund_restock": (
            "BigCommerce refunds record no restock decision, and its docs say refunded items "
            "are never returned to inventory; a returned unit is received in syncbot instead"
        )
    }

    def __init__(self) -> None:
        self.store = BigCommerceStore(store_hash="contract1", clock=lambda: NOW)

    def build(self, http: httpx.AsyncClient, router: respx.MockRouter, sleep: Sleep) -> Connector:
        self.store.mount(router)
        api = BigCommerceAPI(
            http,
            store_hash=self.store.store_hash,
            access_token=self.store.access_token,
            sleep=sleep,
        )
        return BigCommerceConnector(
            "contract",
            api,
            client_secret=self.store.client_secret,
            location_id=self.store.location_id,
            clock=lambda: NOW,
            orders_page_size=5,  # seven seeded orders take two pages
        )

    def story(self, name: str) -> Iterator[Signed]:
        store = self.store
        store.add_order(ORDER_ID, [(SKU_A, 2), (SKU_B, 1)], CREATED, AWAITING_FULFILLMENT)
        yield self._signed("store/order/created")
        later = CREATED + timedelta(minutes=30)
        if name == "partial":
            store.update_order(ORDER_ID, later, status=PARTIALLY_SHIPPED, shipped={SKU_A: 1})
            yield self._signed("store/order/statusUpdated")
        elif name == "cancel":
            store.update_order(ORDER_ID, later, status=CANCELLED)
            yield self._signed("store/order/statusUpdated")
        elif name.startswith("refund"):
            store.update_order(ORDER_ID, later, status=SHIPPED, shipped={SKU_A: 2, SKU_B: 1})
            yield self._signed("store/order/statusUpdated")
            store.refund(ORDER_ID, REFUND_ID, {SKU_A: 1}, later + timedelta(minutes=30))
            yield self._signed("store/order/refund/created", refund_id=REFUND_ID)

    def seed_orders(self, count: int) -> None:
        for number in range(count):
            updated = CREATED + timedelta(seconds=number)
            self.store.add_order(1000 + number, [(SKU_A, 1)], updated, AWAITING_FULFILLMENT)

    def seed_listings(self, skus: list[str]) -> None:
        for sku in skus:
            self.store.add_variant(sku)

    def fail_item(self, sku: str) -> None:
        self.store.failing |= {v["id"] for v in self.store.variants if v["sku"] == sku}

    def throttle_next(self, retry_after: float) -> None:
        # BigCommerce's form of Retry-After: X-Rate-Limit-Time-Reset-Ms on the 429.
        self.store.throttled.append(round(retry_after * 1000))

    def level(self, inventory_id: str) -> int:
        return self.store.level(inventory_id)

    @property
    def write_calls(self) -> int:
        return self.store.write_calls

    def _signed(self, scope: str, refund_id: int | None = None) -> Signed:
        body, headers = self.store.delivery(scope, ORDER_ID, refund_id=refund_id)
        return Signed(body=body, headers=headers)
