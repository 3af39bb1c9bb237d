"""One Shopify, one WooCommerce and one BigCommerce channel: a sale on any one moves the
sellable quantity on the other two.

The service runs in this process (uvicorn in a thread) with the three storefronts'
stateful fakes mounted on respx, so every webhook, read and push goes through the real
connectors and the running scheduler; only the storefronts' HTTP is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from connectors.base import Connector
from connectors.bigcommerce.testing import BigCommerceStore
from connectors.registry import build_connectors
from connectors.shopify.testing import ShopifyInventory
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile, load_channels_file
from syncbot.config import Settings
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.sync.listings import discover
from syncbot.testing import serve_in_thread, wait_until

from .conftest import BOOTSTRAP, SHOPIFY_MAIN_LOCATION, SHOPIFY_SECRET, SHOPIFY_SHOP, SKU, TOKEN
from .test_shopify_webhooks import T1, deliver, order

SHOPIFY_ITEM = "gid://shopify/InventoryItem/901"
SHOPIFY_URL = f"https://{SHOPIFY_SHOP}/admin/api/2026-10/graphql.json"
SECONDS = 15  # generous for a loaded CI machine
ENVIRON = {
    "SHOP_TOKEN": "shpat_dummy",
    "SHOP_SECRET": SHOPIFY_SECRET,
    "WOO_KEY": WooCommerceStore.consumer_key,
    "WOO_SECRET": WooCommerceStore.consumer_secret,
    "WOO_WEBHOOK": WooCommerceStore.webhook_secret,
    "BC_TOKEN": BigCommerceStore.access_token,
    "BC_SECRET": BigCommerceStore.client_secret,
}
CHANNELS = f"""
[[channels]]
name = "shopify"
kind = "shopify"
shop = "{SHOPIFY_SHOP}"
access_token_env = "SHOP_TOKEN"
webhook_secret_env = "SHOP_SECRET"
[channels.locations]
{SHOPIFY_MAIN_LOCATION} = "main"

[[channels]]
name = "woo"
kind = "woocommerce"
url = "{WooCommerceStore.url}"
consumer_key_env = "WOO_KEY"
consumer_secret_env = "WOO_SECRET"
webhook_secret_env = "WOO_WEBHOOK"

[[channels]]
name = "bc"
kind = "bigcommerce"
store_hash = "{BigCommerceStore.store_hash}"
access_token_env = "BC_TOKEN"
client_secret_env = "BC_SECRET"
location_id = 1
"""


@dataclass
class Stores:
    client: httpx.Client
    shopify: ShopifyInventory
    woo: WooCommerceStore
    woo_item: str
    bc: BigCommerceStore
    bc_item: int

    def levels(self) -> tuple[int | None, int | None, int]:
        return (
            self.shopify.levels.get(SHOPIFY_ITEM),
            self.woo.level(self.woo_item),
            self.bc.level(self.bc_item),
        )

    def eventually(self, expected: tuple[int, int, int], what: str) -> None:
        wait_until(
            lambda: self.levels() == expected,
            SECONDS,
            f"{what}: the channels hold {expected} (they hold {self.levels()})",
            interval=0.05,
        )


async def _prepare(database_url: str, channels: ChannelsFile) -> None:
    """The SKU, and each channel's listings discovered, as `channels discover` does."""
    await open_database(database_url)
    try:
        await declare_locations(channels.locations)
        await add_sku(SKU, name="Blue mug")
        async with httpx.AsyncClient() as http:
            connectors: dict[str, Connector] = build_connectors(channels, ENVIRON, http)
            for connector in connectors.values():
                report = await discover(connector)
                assert (report.listings, report.unknown) == (1, []), (connector.name, report)
    finally:
        await close_database()


@pytest.fixture
def stores(database_url: str, tmp_path: Path) -> Iterator[Stores]:
    path = tmp_path / "syncbot.toml"
    path.write_text(CHANNELS, encoding="utf-8")
    channels = load_channels_file(path)
    shopify = ShopifyInventory(variants=[(SKU, SHOPIFY_ITEM)], levels={SHOPIFY_ITEM: 0})
    woo = WooCommerceStore()
    woo_item = woo.add_product(SKU, 0)
    bc = BigCommerceStore()
    bc_item = bc.add_variant(SKU)
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.post(SHOPIFY_URL).mock(side_effect=shopify)
        woo.mount(router)
        bc.mount(router)
        asyncio.run(_prepare(database_url, channels))
        settings = Settings(
            database_url=database_url,
            config=path,
            api_token=TOKEN,
            sync_poll_seconds=0.1,
            sync_debounce_seconds=0.1,
            catch_up_seconds=3600,
            drift_seconds=3600,
        )
        http = httpx.AsyncClient()
        app = create_app(settings, channels, build_connectors(channels, ENVIRON, http), http)
        with (
            serve_in_thread(app, "syncbot") as url,
            httpx.Client(base_url=url, headers=BOOTSTRAP) as client,
        ):
            yield Stores(client, shopify, woo, woo_item, bc, bc_item)


def _post(stores: Stores, channel: str, body: bytes, headers: dict[str, str]) -> None:
    answer = stores.client.post(f"/webhooks/{channel}", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"


def test_a_sale_on_any_channel_moves_the_other_two(stores: Stores) -> None:
    ping = stores.woo.ping()  # what WooCommerce sends when a webhook is saved: unsigned
    answer = stores.client.post("/webhooks/woo", content=ping.body, headers=dict(ping.headers))
    assert (answer.status_code, answer.json()["status"]) == (200, "ignored")
    receipt = {"sku": SKU, "kind": "receive", "quantity": 10}
    answer = stores.client.post(
        "/api/movements", json=receipt, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 201, answer.text
    stores.eventually((10, 10, 10), "the receipt reached every channel")

    # Shopify: a signed orders/create for 3 mugs.
    answer = deliver(stores, "orders/create", order(T1, current=3))  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    stores.eventually((7, 7, 7), "the Shopify sale reached WooCommerce and BigCommerce")

    # WooCommerce: a paid order for 2 (WooCommerce lowers its own stock, as it does).
    woo_order = stores.woo.place_order({SKU: 2})
    webhook = stores.woo.webhook("order.created", woo_order)
    _post(stores, "woo", webhook.body, dict(webhook.headers))
    stores.eventually((5, 5, 5), "the WooCommerce sale reached Shopify and BigCommerce")

    # BigCommerce: the webhook names the order only; the connector reads it back.
    stores.bc.add_order(9001, [(SKU, 1)], modified=datetime.now(UTC), status=11)
    body, headers = stores.bc.delivery("store/order/created", 9001)
    _post(stores, "bc", body, headers)
    stores.eventually((4, 4, 4), "the BigCommerce sale reached Shopify and WooCommerce")

    stock = stores.client.get(f"/api/stock/{SKU}").json()
    assert (stock["total"]["on_hand"], stock["total"]["available"]) == (10, 4)
    channels = {row["name"]: row for row in stores.client.get("/api/channels").json()}
    assert {name: row["error"] for name, row in channels.items()} == {
        "shopify": None,
        "woo": None,
        "bc": None,
    }
    assert stores.shopify.set_calls[-1]["quantities"][0]["quantity"] == 4
