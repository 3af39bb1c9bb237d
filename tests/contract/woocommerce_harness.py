"""The WooCommerce connector under the contract, against the fake store served by respx."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

import httpx
import respx

from connectors.base import Connector
from connectors.woocommerce.api import WooCommerceApi
from connectors.woocommerce.connector import SIGNATURE, WooCommerceConnector
from connectors.woocommerce.testing import WooCommerceStore

from .harness import SKU_A, SKU_B, Signed, Sleep


class Harness:
    kind = "woocommerce"
    signature_header = SIGNATURE
    unsupported: Mapping[str, str] = MappingProxyType(
        {"partial": "WooCommerce core has no partial fulfilment: an order is completed as a whole"}
    )

    def __init__(self) -> None:
        self.store = WooCommerceStore()

    def build(self, http: httpx.AsyncClient, router: respx.MockRouter, sleep: Sleep) -> Connector:
        self.store.mount(router)
        api = WooCommerceApi(
            http,
            url=self.store.url,
            consumer_key=self.store.consumer_key,
            consumer_secret=self.store.consumer_secret,
            sleep=sleep,
        )
        # Pages of five, so that seven orders take two pages.
        return WooCommerceConnector(
            "contract",
            api,
            webhook_secret=self.store.webhook_secret,
            location="main",
            orders_page_size=5,
        )

    def story(self, name: str) -> Iterator[Signed]:
        store = self.store
        for sku in (SKU_A, SKU_B):
            if not any(product["sku"] == sku for product in store.products.values()):
                store.add_product(sku, stock=10)
        order = store.place_order({SKU_A: 2, SKU_B: 1})
        yield self._signed("order.created", order)
        if name == "cancel":
            store.set_status(order, "cancelled")
            yield self._signed("order.updated", order)
        if name in ("refund_restock", "refund_no_restock"):
            store.set_status(order, "completed")
            yield self._signed("order.updated", order)
            store.refund(order, {SKU_A: 1}, restock=name == "refund_restock")
            yield self._signed("order.updated", order)

    def seed_orders(self, count: int) -> None:
        for number in range(count):
            self.store.place_order({f"CT-SEED-{number}": 1})

    def seed_listings(self, skus: list[str]) -> None:
        for sku in skus:
            self.store.add_product(sku, stock=0)

    def fail_item(self, sku: str) -> None:
        self.store.failing.add(
            next(str(key) for key, product in self.store.products.items() if product["sku"] == sku)
        )

    def throttle_next(self, retry_after: float) -> None:
        self.store.throttle_next(retry_after)

    def level(self, inventory_id: str) -> int:
        return self.store.level(inventory_id) or 0

    @property
    def write_calls(self) -> int:
        return self.store.write_calls

    def _signed(self, topic: str, order: int) -> Signed:
        webhook = self.store.webhook(topic, order)
        return Signed(webhook.body, webhook.headers)
