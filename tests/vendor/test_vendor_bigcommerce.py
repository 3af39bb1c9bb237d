"""BigCommerce's documented webhook callbacks: every one is verified (never refused), then
applied or ignored with a reason, never failed. Sources: bigcommerce/SOURCES.md."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from vendor_outcomes import body, document, outcome

from connectors.base import NotOnStore
from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector, sign

STORE_HASH = "vendorstore"
SECRET = "dummy-vendor-client-secret"  # a dummy for tests
NOW = 1_561_479_335
API = f"https://api.bigcommerce.com/stores/{STORE_HASH}"
OPEN_ORDER = [("order_commit", "OTS", 2), ("order_commit", "ABS", 1)]

EXPECTED: dict[tuple[str, str], tuple[str, list[tuple[str, str, int]]]] = {
    ("store_order_created.json", "store/order/created"): ("applied", OPEN_ORDER),
    ("store_order_updated.json", "store/order/updated"): ("applied", OPEN_ORDER),
    ("store_order_statusUpdated.json", "store/order/statusUpdated"): ("applied", OPEN_ORDER),
    # One of the two unshipped terrariums refunded: it is released (BigCommerce does not
    # restock on refunds, so an unshipped unit is a cancel).
    ("store_order_refund_created.json", "store/order/refund/created"): (
        "applied",
        [*OPEN_ORDER, ("order_cancel", "OTS", 1)],
    ),
    ("store_order_archived.json", "store/order/archived"): ("ignored", []),
    ("store_product_updated.json", "store/product/updated"): ("ignored", []),
}
READS = {
    "/v2/orders/250": "read_order_250.json",
    "/v2/orders/250/products": "read_order_250_products.json",
    "/v3/orders/250/payment_actions/refunds": "read_order_250_refunds.json",
}


class Store:
    def __init__(self) -> None:
        self.gone = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(f"/stores/{STORE_HASH}")
        name = READS.get(path)
        if name is None or self.gone:
            return httpx.Response(
                404, json={"status": 404, "title": "The requested resource was not found."}
            )
        return httpx.Response(200, json=document("bigcommerce", name))


@pytest.fixture
def store() -> Iterator[Store]:
    fake = Store()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.get(url__startswith=API).mock(side_effect=fake)
        yield fake


@pytest.fixture
async def bigcommerce() -> AsyncIterator[BigCommerceConnector]:
    async with httpx.AsyncClient() as http:
        api = BigCommerceAPI(http, store_hash=STORE_HASH, access_token="dummy-token")
        yield BigCommerceConnector("bc", api, client_secret=SECRET, clock=lambda: NOW)


def signed(raw: bytes) -> dict[str, str]:
    """Standard Webhooks headers, as "HTTPS Webhooks Overview" describes them."""
    message_id, timestamp = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", str(NOW)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(SECRET, message_id, timestamp, raw),
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize(("name", "scope"), sorted(EXPECTED))
async def test_every_documented_callback_is_taken_and_read(
    bigcommerce: BigCommerceConnector, store: Store, name: str, scope: str
) -> None:
    raw = body("bigcommerce", name)
    delivery = bigcommerce.verify(raw, signed(raw))
    hash_ = document("bigcommerce", name)["hash"]
    assert (delivery.topic, delivery.event_id) == (
        scope,
        f"{scope}:{'111' if 'product' in scope else '250'}:{hash_}",
    )
    found = outcome(await bigcommerce.parse(delivery, raw))
    assert (found.kind, found.movements) == EXPECTED[name, scope], found


async def test_an_order_gone_since_the_callback_says_so(
    bigcommerce: BigCommerceConnector, store: Store
) -> None:
    store.gone = True
    raw = body("bigcommerce", "store_order_updated.json")
    with pytest.raises(NotOnStore, match="order 250 not found on the store"):
        await bigcommerce.parse(bigcommerce.verify(raw, signed(raw)), raw)
