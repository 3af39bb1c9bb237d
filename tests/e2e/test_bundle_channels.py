"""Bundles end to end: one Shopify, one WooCommerce and one BigCommerce channel list two
bundles and their components; a component damaged through the API drops every bundle
listing made of it on every channel, and Shopify's own bundle product is never pushed.

The service runs in this process (uvicorn in a thread) with the three storefronts'
stateful fakes mounted on respx, as in test_three_channels.py: the recipes are set and the
stock recorded through the API, and every read and push goes through the real connectors
and the running scheduler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

from .conftest import BOOTSTRAP, TOKEN
from .test_three_channels import CHANNELS, ENVIRON, SECONDS, SHOPIFY_URL

LISTED = ("MUG", "TEE", "GIFT", "DUO")
"""GIFT = MUG × 2 + TEE × 1 and DUO = MUG × 1, listed with their components everywhere."""
KIT_ITEM = "gid://shopify/InventoryItem/999"
"""A Shopify bundle product (its variant requires components): Shopify's to count."""
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Stores:
    client: httpx.Client
    shopify: ShopifyInventory
    woo: WooCommerceStore
    woo_items: dict[str, str]
    bc: BigCommerceStore
    bc_items: dict[str, int]

    def levels(self) -> dict[str, tuple[int | None, ...]]:
        """Per channel, the level of each listed SKU, in LISTED order."""
        return {
            "shopify": tuple(self.shopify.levels.get(_shopify_item(sku)) for sku in LISTED),
            "woo": tuple(self.woo.level(self.woo_items[sku]) for sku in LISTED),
            "bc": tuple(self.bc.level(self.bc_items[sku]) for sku in LISTED),
        }

    def eventually(self, expected: tuple[int, ...], what: str) -> None:
        wanted = dict.fromkeys(("shopify", "woo", "bc"), expected)
        wait_until(
            lambda: self.levels() == wanted,
            SECONDS,
            f"{what}: every channel holds {expected} (they hold {self.levels()})",
            interval=0.05,
        )

    def call(self, method: str, path: str, body: dict[str, Any]) -> None:
        answer = self.client.request(method, path, json=body, headers=AUTH)
        assert answer.status_code in (200, 201), answer.text


def _shopify_item(sku: str) -> str:
    return f"gid://shopify/InventoryItem/{900 + LISTED.index(sku)}"


async def _prepare(database_url: str, channels: ChannelsFile) -> None:
    """The SKUs, and each channel's listings discovered, as `channels discover` does."""
    await open_database(database_url)
    try:
        await declare_locations(channels.locations)
        for sku in (*LISTED, "KIT"):
            await add_sku(sku)
        async with httpx.AsyncClient() as http:
            connectors: dict[str, Connector] = build_connectors(channels, ENVIRON, http)
            for connector in connectors.values():
                report = await discover(connector)
                managed = ["KIT"] if connector.name == "shopify" else []
                assert (report.unknown, report.managed) == ([], managed), report
    finally:
        await close_database()


@pytest.fixture
def stores(database_url: str, tmp_path: Path) -> Iterator[Stores]:
    path = tmp_path / "syncbot.toml"
    path.write_text(CHANNELS, encoding="utf-8")
    channels = load_channels_file(path)
    variants = [(sku, _shopify_item(sku)) for sku in LISTED] + [("KIT", KIT_ITEM)]
    shopify = ShopifyInventory(variants=variants, bundles={KIT_ITEM}, levels={KIT_ITEM: 4})
    woo = WooCommerceStore()
    woo_items = {sku: woo.add_product(sku, 0) for sku in LISTED}
    bc = BigCommerceStore()
    bc_items = {sku: bc.add_variant(sku) for sku in LISTED}
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
            yield Stores(client, shopify, woo, woo_items, bc, bc_items)


def test_a_damaged_component_drops_every_bundle_made_of_it_on_every_channel(
    stores: Stores,
) -> None:
    gift = {"components": [{"sku": "MUG", "quantity": 2}, {"sku": "TEE", "quantity": 1}]}
    stores.call("PUT", "/api/bundles/GIFT", gift)
    stores.call("PUT", "/api/bundles/DUO", {"components": [{"sku": "MUG", "quantity": 1}]})
    for sku in ("MUG", "TEE"):
        stores.call("POST", "/api/movements", {"sku": sku, "kind": "receive", "quantity": 10})
    # MUG 10, TEE 10, GIFT ⌊10/2⌋ = 5, DUO 10.
    stores.eventually((10, 10, 5, 10), "the receipts reached every listing")

    stores.call("POST", "/api/movements", {"sku": "MUG", "kind": "damage", "quantity": 4})
    # MUG 6: GIFT ⌊6/2⌋ = 3 and DUO 6, on every channel, within the change latency.
    stores.eventually((6, 10, 3, 6), "the damage reached every bundle listing")

    channels = {row["name"]: row for row in stores.client.get("/api/channels").json()}
    assert {name: row["error"] for name, row in channels.items()} == dict.fromkeys(
        ("shopify", "woo", "bc")
    )
    pushed = {q["inventoryItemId"] for call in stores.shopify.set_calls for q in call["quantities"]}
    assert KIT_ITEM not in pushed
    assert stores.shopify.levels[KIT_ITEM] == 4
    listings = stores.client.get("/api/channels/shopify/listings?state=managed").json()
    assert [(row["sku"], row["managed_by_storefront"]) for row in listings] == [("KIT", True)]
