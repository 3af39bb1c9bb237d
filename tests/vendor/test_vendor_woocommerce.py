"""WooCommerce's documented webhook bodies: every one is verified (never refused), then
applied, parked or ignored with a reason, never failed. Sources: woocommerce/SOURCES.md."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from vendor_outcomes import body, document, outcome

from connectors.base import IgnoredDelivery, NotOnStore
from connectors.woocommerce.api import WooCommerceApi
from connectors.woocommerce.connector import WooCommerceConnector, sign

STORE = "https://example.com"
SECRET = "dummy-vendor-webhook-secret"  # a dummy for tests

# (file, topic) → (outcome, movements from an empty ledger, lines parked)
EXPECTED: dict[tuple[str, str], tuple[str, list[tuple[str, str, int]], list[str]]] = {
    ("order_created.json", "order.created"): (
        "parked",
        [("order_commit", "Bar3", 1)],
        ["line 315: the line has no SKU"],
    ),
    ("order_updated_completed.json", "order.updated"): (
        "parked",
        [("order_commit", "Bar3", 1), ("order_fulfil", "Bar3", 1)],
        ["line 315: the line has no SKU"],
    ),
    ("order_updated_cancelled.json", "order.updated"): (
        "parked",
        [],
        ["line 315: the line has no SKU"],
    ),
    ("order_updated_checkout_draft.json", "order.updated"): ("ignored", [], []),
    # Line 311 has no SKU in the docs' example: parked, with its refund's return line.
    ("order_updated_refunded.json", "order.updated"): (
        "parked",
        [],
        ["line 311: the line has no SKU", "return line 311:restocked:1: the line has no SKU"],
    ),
    ("order_deleted.json", "order.deleted"): ("parked", [], ["line 315: the line has no SKU"]),
    ("product_updated.json", "product.updated"): ("ignored", [], []),
}
READS = {
    "/wp-json/wc/v3/orders/727": "read_order_727_trash.json",
    "/wp-json/wc/v3/orders/723/refunds": "read_refunds_723.json",
}


class Store:
    """The REST API for respx: each read answers its file, anything else 404."""

    def __init__(self) -> None:
        self.gone = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = READS.get(request.url.path)
        if name is None or self.gone:
            return httpx.Response(404, json={"code": "woocommerce_rest_shop_order_invalid_id"})
        return httpx.Response(
            200, json=document("woocommerce", name), headers={"X-WP-TotalPages": "1"}
        )


@pytest.fixture
def store() -> Iterator[Store]:
    fake = Store()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.get(url__startswith=STORE).mock(side_effect=fake)
        yield fake


@pytest.fixture
async def woocommerce() -> AsyncIterator[WooCommerceConnector]:
    async with httpx.AsyncClient() as http:
        api = WooCommerceApi(http, url=STORE, consumer_key="ck_dummy", consumer_secret="cs_dummy")
        yield WooCommerceConnector("woo", api, webhook_secret=SECRET, location="main")


def signed(raw: bytes, topic: str) -> dict[str, str]:
    """The headers WooCommerce sends ("Webhooks" docs), signed with the dummy secret."""
    resource, event = topic.split(".")
    return {
        "X-WC-Webhook-Source": f"{STORE}/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign(raw, SECRET),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": "4c5a2b9a1e0c",
    }


@pytest.mark.parametrize(("name", "topic"), sorted(EXPECTED))
async def test_every_documented_body_is_taken_and_read(
    woocommerce: WooCommerceConnector, store: Store, name: str, topic: str
) -> None:
    raw = body("woocommerce", name)
    delivery = woocommerce.verify(raw, signed(raw, topic))
    assert delivery.topic == topic
    found = outcome(await woocommerce.parse(delivery, raw))
    assert (found.kind, found.movements, found.parked) == EXPECTED[name, topic], found


def test_the_ping_of_a_new_webhook_is_ignored_not_refused(
    woocommerce: WooCommerceConnector,
) -> None:
    """The unsigned `webhook_id=<n>` form body WooCommerce sends when a hook is saved."""
    with pytest.raises(IgnoredDelivery, match="ping"):
        woocommerce.verify(b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"})


async def test_a_deleted_order_gone_for_good_says_so(
    woocommerce: WooCommerceConnector, store: Store
) -> None:
    store.gone = True
    raw = body("woocommerce", "order_deleted.json")
    delivery = woocommerce.verify(raw, signed(raw, "order.deleted"))
    with pytest.raises(NotOnStore, match="order 727 not found on the store"):
        await woocommerce.parse(delivery, raw)


async def test_refunds_that_are_not_found_say_so(
    woocommerce: WooCommerceConnector, store: Store
) -> None:
    """GET /orders/723/refunds answers 404: NotOnStore, not a retry."""
    store.gone = True
    raw = body("woocommerce", "order_updated_refunded.json")
    delivery = woocommerce.verify(raw, signed(raw, "order.updated"))
    with pytest.raises(NotOnStore, match="refunds of order 723 were not found"):
        await woocommerce.parse(delivery, raw)
