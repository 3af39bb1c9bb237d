"""The customers' side of the Shopify emulator: orders placed, cancelled, fulfilled and
returned as Shopify records them, each delivered as a signed webhook.

Shopify keeps its own `available`: it lowers it when one of its orders is placed and puts
units back for a `cancel` or `return` refund that restocks. `ShopifyOrders` does the same
to the `ShopifyInventory` it sells from, so syncbot sees a storefront that moves on its own,
as a real one does. Each change is also kept as the GraphQL order node the catch-up query
reads, so a missed webhook is recovered from the same truth.

Bodies are the REST Order and Refund resources (`order_shapes`), signed with base64
HMAC-SHA256 of the raw body in X-Shopify-Hmac-Sha256, with the headers Shopify sends.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from connectors.shopify.deliveries import SIGNATURE
from connectors.shopify.order_shapes import (
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
    rest_order,
    rest_refund,
)
from connectors.shopify.testing import ShopifyInventory
from connectors.shopify.webhooks import sign

API_VERSION = "2026-10"


@dataclass(frozen=True)
class ShopifyWebhook:
    """One delivery exactly as Shopify sends it."""

    topic: str
    body: bytes
    headers: Mapping[str, str]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ShopifyOrders:
    """Orders on the emulated store; every method answers the webhooks the change sends."""

    inventory: ShopifyInventory
    shop: str
    webhook_secret: str
    location: int
    """The Shopify location the inventory's levels are kept at, and orders ship from."""
    clock: Callable[[], datetime] = _now
    orders: dict[int, Order] = field(default_factory=dict)
    first_id: int = 5_000_000_001
    """Where order, line, refund and fulfilment ids start."""

    def __post_init__(self) -> None:
        self._ids = itertools.count(self.first_id)

    def place(self, lines: Mapping[str, int]) -> tuple[Order, list[ShopifyWebhook]]:
        """A paid order of `quantity` units per SKU; Shopify commits them out of available."""
        stamp = self._stamp()
        order = Order(
            next(self._ids),
            stamp,
            [Line(next(self._ids), sku, quantity) for sku, quantity in lines.items()],
            created_at=stamp,
        )
        self.orders[order.id] = order
        for sku, quantity in lines.items():
            self._move(sku, -quantity)
        return order, [self._changed("orders/create", order)]

    def cancel(self, order_id: int) -> list[ShopifyWebhook]:
        """Cancelled before shipping, restocked: a `cancel` refund of every line."""
        order = self.orders[order_id]
        order.updated_at = order.cancelled_at = self._stamp()
        refund = Refund(
            next(self._ids),
            order.updated_at,
            [
                (next(self._ids), line.id, line.current_quantity(), "cancel", self.location)
                for line in order.lines
                if line.current_quantity()
            ],
        )
        for line in order.lines:
            self._move(line.sku or "", line.current_quantity())
            line.current = 0
        order.refunds.append(refund)
        return [self._changed("orders/cancelled", order)]

    def fulfil(self, order_id: int) -> list[ShopifyWebhook]:
        """Every unit still on the order ships from the location; available is unchanged."""
        order = self.orders[order_id]
        order.updated_at = self._stamp()
        shipped = [(line.id, line.current_quantity()) for line in order.lines]
        order.fulfillments.append(
            Fulfillment(next(self._ids), order.updated_at, shipped, self.location)
        )
        return [self._changed("orders/fulfilled", order)]

    def give_back(self, order_id: int, sku: str, quantity: int) -> list[ShopifyWebhook]:
        """A shipped unit comes back and is restocked: refunds/create, then orders/updated."""
        order = self.orders[order_id]
        order.updated_at = self._stamp()
        line = next(line for line in order.lines if line.sku == sku)
        refund = Refund(
            next(self._ids),
            order.updated_at,
            [(next(self._ids), line.id, quantity, "return", self.location)],
        )
        line.current = line.current_quantity() - quantity
        order.refunds.append(refund)
        self._move(sku, quantity)
        self._keep(order)
        refunded = json.dumps(rest_refund(order, refund)).encode()
        return [self._signed("refunds/create", refunded), self._changed("orders/updated", order)]

    def _move(self, sku: str, units: int) -> None:
        item = next((item for listed, item in self.inventory.variants if listed == sku), None)
        if item is not None:
            self.inventory.levels[item] = self.inventory.levels.get(item, 0) + units

    def _changed(self, topic: str, order: Order) -> ShopifyWebhook:
        self._keep(order)
        return self._signed(topic, json.dumps(rest_order(order)).encode())

    def _keep(self, order: Order) -> None:
        """The order as the catch-up query reads it, replacing its older node."""
        node = graphql_order(replace(order, lines=[replace(line) for line in order.lines]))
        self.inventory.orders = [n for n in self.inventory.orders if n["id"] != node["id"]]
        self.inventory.orders.append(node)

    def _signed(self, topic: str, body: bytes) -> ShopifyWebhook:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: sign(body, self.webhook_secret),
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": self.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "X-Shopify-API-Version": API_VERSION,
        }
        return ShopifyWebhook(topic, body, headers)

    def _stamp(self) -> str:
        """Shopify's REST times: seconds, with the shop's offset (UTC here)."""
        return self.clock().strftime("%Y-%m-%dT%H:%M:%S+00:00")
