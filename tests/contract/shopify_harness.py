"""The Shopify connector under the contract: signed REST webhooks, a stateful Admin API.

Webhooks are the REST Order and Refund resources built by connectors/shopify/order_shapes.
Everything the connector asks the Admin GraphQL API (catch-up, listings, levels, pushes)
goes through respx to ShopifyInventory, whose bucket clock moves only when the connector
sleeps, so a 429 or a paced call takes no real time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import respx

from .harness import SKU_A, SKU_B, Signed, Sleep

# The payload builders live beside the connector's own tests; pytest puts that folder on
# the path only when it collects a test from it.
sys.path.insert(0, str(Path(__file__).parent.parent / "connectors"))

from shopify_payloads import (
    MAIN_LOCATION,
    SHOP,
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
    rest_order,
    rest_refund,
)

from connectors.base import Connector
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import SIGNATURE, ShopifyConnector
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import ShopifyInventory
from connectors.shopify.webhooks import sign

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
SECRET = "dummy-contract-webhook-secret"  # a dummy for tests
TOKEN = "shpat_dummy_contract_token"  # a dummy for tests
ORDER_ID = 820982911946154508
LINE_A, LINE_B = 466157049, 518995019
CREATED, SHIPPED, REFUNDED = (
    "2026-11-01T08:00:00-04:00",
    "2026-11-01T08:30:00-04:00",
    "2026-11-01T09:00:00-04:00",
)


class Time:
    """The connector's clock: it moves only when the connector sleeps."""

    def __init__(self, sleep: Sleep) -> None:
        self.now = 0.0
        self._sleep = sleep

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await self._sleep(seconds)


def _created(current_a: int = 2, current_b: int = 1) -> Order:
    lines = [Line(LINE_A, SKU_A, 2, current=current_a), Line(LINE_B, SKU_B, 1, current=current_b)]
    return Order(ORDER_ID, CREATED, lines, created_at=CREATED)


def _shipped_in_full(current_a: int = 2) -> Order:
    order = _created(current_a=current_a)
    order.updated_at = SHIPPED
    order.fulfillments = [Fulfillment(4100, SHIPPED, [(LINE_A, 2), (LINE_B, 1)])]
    return order


def _refunded(restock_type: str) -> list[tuple[str, bytes]]:
    """A fulfilled order, one unit of SKU_A refunded: refunds/create, then orders/updated
    with the refund listed and current_quantity lowered, as Shopify sends them."""
    place = MAIN_LOCATION if restock_type == "return" else None
    refund = Refund(9100, REFUNDED, [(9200, LINE_A, 1, restock_type, place)])
    after = _shipped_in_full(current_a=1)
    after.updated_at, after.refunds = REFUNDED, [refund]
    return [
        ("orders/create", _rest(_created())),
        ("orders/fulfilled", _rest(_shipped_in_full())),
        ("refunds/create", json.dumps(rest_refund(after, refund)).encode()),
        ("orders/updated", _rest(after)),
    ]


def _partial() -> Order:
    order = _created()
    order.updated_at = SHIPPED
    order.fulfillments = [Fulfillment(4100, SHIPPED, [(LINE_A, 1)])]
    return order


def _cancelled() -> Order:
    """Cancelled with restock: Shopify lists the cancelling refund and zeroes current."""
    order = _created(current_a=0, current_b=0)
    order.updated_at = order.cancelled_at = SHIPPED
    order.refunds = [
        Refund(
            9102,
            SHIPPED,
            [
                (9300, LINE_A, 2, "cancel", MAIN_LOCATION),
                (9301, LINE_B, 1, "cancel", MAIN_LOCATION),
            ],
        )
    ]
    return order


def _rest(order: Order) -> bytes:
    return json.dumps(rest_order(order)).encode()


def _story(name: str) -> list[tuple[str, bytes]]:
    created = ("orders/create", _rest(_created()))
    if name == "new":
        return [created]
    if name == "partial":
        return [created, ("orders/partially_fulfilled", _rest(_partial()))]
    if name == "cancel":
        return [created, ("orders/cancelled", _rest(_cancelled()))]
    return _refunded("return" if name == "refund_restock" else "no_restock")


class Harness:
    kind = "shopify"
    signature_header = SIGNATURE
    unsupported: Mapping[str, str] = {}

    def __init__(self) -> None:
        self.inventory = ShopifyInventory()

    def build(self, http: httpx.AsyncClient, router: respx.MockRouter, sleep: Sleep) -> Connector:
        time = Time(sleep)
        self.inventory.clock = time
        router.post(URL).mock(side_effect=self.inventory)
        admin = ShopifyAdmin(http, shop=SHOP, access_token=TOKEN, sleep=time.sleep, clock=time)
        return ShopifyConnector(
            "contract",
            admin,
            webhook_secret=SECRET,
            locations=LocationMap({str(MAIN_LOCATION): "main"}, "main"),
            inventory_location=str(MAIN_LOCATION),
        )

    def story(self, name: str) -> Iterator[Signed]:
        for step, (topic, body) in enumerate(_story(name)):
            headers = {
                SIGNATURE: sign(body, SECRET),
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": SHOP,
                "X-Shopify-Event-Id": f"8f1c2a4e-{name.replace('_', '-')}-{step}",
                "X-Shopify-Webhook-Id": f"b54557e4-{name.replace('_', '-')}-{step}",
                "X-Shopify-Triggered-At": f"2026-11-01T13:0{step}:00.000000000Z",
                "X-Shopify-API-Version": "2026-10",
                "Content-Type": "application/json",
            }
            yield Signed(body, headers)

    def seed_orders(self, count: int) -> None:
        for n in range(count):
            line = Line(600000 + n, SKU_A, 1)
            order = Order(7000 + n, f"2026-11-02T10:00:{n:02d}Z", [line], created_at=CREATED)
            self.inventory.orders.append(graphql_order(order))

    def seed_listings(self, skus: list[str]) -> None:
        for sku in skus:
            item = f"gid://shopify/InventoryItem/{30000 + len(self.inventory.variants)}"
            self.inventory.variants.append((sku, item))
            self.inventory.levels[item] = 0

    def fail_item(self, sku: str) -> None:
        self.inventory.refuse_next |= {
            item for listed, item in self.inventory.variants if listed == sku
        }

    def throttle_next(self, retry_after: float) -> None:
        self.inventory.rate_limit_next(retry_after)

    def level(self, inventory_id: str) -> int:
        return self.inventory.levels[inventory_id]

    @property
    def write_calls(self) -> int:
        return len(self.inventory.set_calls)
