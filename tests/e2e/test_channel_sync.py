"""From a sale on one channel to the push on another, through a running `syncbot serve`.

Channel `shopify` takes a signed orders/create webhook; channel `store-b` is a second
Shopify store, a stateful fake Admin API served on 127.0.0.1 (connectors.shopify.testing),
which the server's scheduler pushes to over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.shopify.testing import ShopifyInventory, serve
from syncbot.testing import wait_until

from .conftest import SHOPIFY_SECRET_ENV, SHOPIFY_TOKEN_ENV, SKU, Service, StartService
from .test_shopify_webhooks import T1, accepted, deliver, order

ITEM = "gid://shopify/InventoryItem/801"
STORE_B_LOCATION = 70000001
PUSH_SECONDS = 10  # generous for a loaded CI machine; the bench measures the real latency


def store_b(url: str) -> str:
    return f"""
[[channels]]
name = "store-b"
kind = "shopify"
shop = "store-b.myshopify.com"
access_token_env = "{SHOPIFY_TOKEN_ENV}"
webhook_secret_env = "{SHOPIFY_SECRET_ENV}"
api_base_url = "{url}"
[channels.locations]
{STORE_B_LOCATION} = "main"
[channels.policy]
buffer = 1
"""


@pytest.fixture
def inventory() -> Iterator[tuple[ShopifyInventory, str]]:
    fake = ShopifyInventory(variants=[(SKU, ITEM)], levels={ITEM: 0})
    with serve(fake) as url:
        yield fake, url


def eventually(check: Callable[[], bool], what: str) -> None:
    wait_until(check, PUSH_SECONDS, what, interval=0.05)


def test_a_sale_on_one_channel_moves_the_quantity_on_the_other(
    start_service: StartService, inventory: tuple[ShopifyInventory, str]
) -> None:
    """Receive 10 (store-b shows 9, a buffer of 1 held back); a Shopify order for 3 on
    the other channel: store-b shows 6 within seconds, pushed with compare-and-set."""
    fake, url = inventory
    service = start_service(store_b(url), SYNCBOT_MAX_BODY_BYTES=str(64 * 1024))
    assert "store-b: 1 listings stored" in service.cli("channels", "discover", "store-b")

    receipt = {"sku": SKU, "kind": "receive", "quantity": 10, "idempotency_key": "po-1"}
    assert service.post_movement(receipt).status_code == 201
    eventually(lambda: fake.levels[ITEM] == 9, "the receipt reached store-b")

    accepted(deliver(service, "orders/create", order(T1, current=3)))
    eventually(lambda: fake.levels[ITEM] == 6, "the sale reached store-b")

    last = fake.set_calls[-1]
    assert last["quantities"][0]["changeFromQuantity"] == 9
    assert last["quantities"][0]["locationId"] == f"gid://shopify/Location/{STORE_B_LOCATION}"
    channels = {row["name"]: row for row in get(service, "/api/channels")}
    assert (channels["store-b"]["listings"], channels["store-b"]["unlisted"]) == (1, 1)
    assert channels["store-b"]["error"] is None
    (listing,) = get(service, "/api/channels/store-b/listings")
    assert (listing["sku"], listing["pushed_quantity"]) == (SKU, 6)
    pushes = get(service, "/api/channels/store-b/pushes")
    assert [(p["quantity"], p["status"]) for p in pushes[:2]] == [
        (6, "acknowledged"),
        (9, "acknowledged"),
    ]
    assert pushes[0]["explanation"] == "6 = available 7 \u2212 buffer 1"


def test_dry_run_and_drift_read_the_channel_and_push_nothing(
    start_service: StartService, inventory: tuple[ShopifyInventory, str]
) -> None:
    fake, url = inventory
    service = start_service(store_b(url), SYNCBOT_SCHEDULER="false")
    service.cli("channels", "discover", "store-b")
    receipt = {"sku": SKU, "kind": "receive", "quantity": 10, "idempotency_key": "po-1"}
    assert service.post_movement(receipt).status_code == 201
    fake.levels[ITEM] = 4

    plan = service.cli("sync", "--dry-run", "store-b")
    drift = service.cli("drift", "store-b")

    assert "9 = available 10 \u2212 buffer 1" in plan
    assert "push" in plan
    assert "store-b: 1 SKU(s) have no listing and are not pushed there: TEE/RED-M" in plan
    assert "1 of 1 listings drift by 5 units" in drift
    assert fake.set_calls == []
    (row,) = get(service, "/api/drift?channel=store-b")
    assert (row["sku"], row["drift"]) == (SKU, -5)

    assert "1 pushed" in service.cli("sync", "store-b")
    assert fake.levels[ITEM] == 9


def get(service: Service, path: str) -> Any:
    response = service.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()
