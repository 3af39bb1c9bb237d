"""Shopify bundle products on a real database, with the Admin API mocked by respx: Shopify
derives a bundle parent's quantity from its components and refuses a write to it, so
discovery reports the listing and sync never reads or pushes it, while its components
(and syncbot's own bundle listings) are pushed as usual."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from shopify_payloads import MAIN_LOCATION, SHOP

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.documents import INVENTORY_LEVELS
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import ShopifyInventory
from syncbot.app import channels as channels_use
from syncbot.app.channels import ListingFilter
from syncbot.ledger import damage, receive
from syncbot.ledger.bundles import Component
from syncbot.store import bundles as store_bundles
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.listings import discover
from syncbot.sync.pusher import sync

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
GRACE = timedelta(minutes=10)
MUG, TEE, KIT, GIFT = (f"gid://shopify/InventoryItem/{n}" for n in (1, 2, 3, 4))


class Time:
    """The test's clock: it moves only when the client sleeps (as in test_shopify_sync)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def time() -> Time:
    return Time()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        yield mocked


@pytest.fixture
def store(router: respx.MockRouter, time: Time) -> ShopifyInventory:
    """MUG and TEE are plain products; KIT is a Shopify bundle product (its parent variant
    requires components); GIFT is a plain product syncbot knows as a bundle."""
    inventory = ShopifyInventory(
        variants=[("MUG", MUG), ("TEE", TEE), ("KIT", KIT), ("GIFT", GIFT)],
        bundles={KIT},
        levels={KIT: 3},
        clock=time,
    )
    router.post(URL).mock(side_effect=inventory)
    return inventory


@pytest.fixture
async def shop(database: str, store: ShopifyInventory, time: Time) -> AsyncIterator[SyncChannel]:
    for sku, units in (("MUG", 5), ("TEE", 10), ("KIT", 0), ("GIFT", 0)):
        await add_sku(sku)
        if units:
            await post([receive(sku, units)])
    now = datetime.now(UTC)
    await store_bundles.set_recipe("GIFT", [Component("MUG", 2), Component("TEE", 1)], "t", now)
    async with httpx.AsyncClient() as http:
        admin = ShopifyAdmin(
            http, shop=SHOP, access_token="shpat_dummy", sleep=time.sleep, clock=time
        )
        connector = ShopifyConnector(
            "shop",
            admin,
            webhook_secret="dummy",
            locations=LocationMap({str(MAIN_LOCATION): "main"}, "main"),
            inventory_location=str(MAIN_LOCATION),
        )
        yield SyncChannel(connector, ("main",))


def items_read(router: respx.MockRouter) -> set[str]:
    """Every inventory item gid the connector asked the levels of."""
    found: set[str] = set()
    for call in router.calls:
        payload = json.loads(call.request.content)
        if payload["query"] == INVENTORY_LEVELS:
            found |= set(payload["variables"]["inventoryItemIds"])
    return found


def items_set(store: ShopifyInventory) -> set[str]:
    return {q["inventoryItemId"] for call in store.set_calls for q in call["quantities"]}


class TestShopifyBundleProducts:
    async def test_discover_reports_a_bundle_product_and_stores_it_as_managed(
        self, shop: SyncChannel
    ) -> None:
        """`requiresComponents` on the variant marks it: reported, stored, shown."""
        listed = await shop.connector.listings()
        assert [item.sku for item in listed if item.managed_by_storefront] == ["KIT"]
        report = await discover(shop.connector)
        assert (report.listings, report.managed) == (4, ["KIT"])
        views = await channels_use.listings("shop")
        assert {view.sku: view.state for view in views} == {
            "GIFT": "",
            "KIT": "managed",
            "MUG": "",
            "TEE": "",
        }
        managed = await channels_use.listings("shop", ListingFilter.MANAGED)
        assert [(view.sku, view.managed_by_storefront) for view in managed] == [("KIT", True)]

    async def test_a_bundle_product_is_never_read_nor_pushed_its_components_are(
        self, shop: SyncChannel, store: ShopifyInventory, router: respx.MockRouter
    ) -> None:
        """A write to KIT would fail the whole call (NON_MUTABLE_INVENTORY_ITEM): syncbot
        never sends it, so MUG, TEE and syncbot's GIFT go through, now and after a change."""
        await discover(shop.connector)
        report = await sync(shop, grace=GRACE)
        assert (report.pushed, report.quarantined, report.error) == (3, [], None)
        assert store.levels == {MUG: 5, TEE: 10, GIFT: 2, KIT: 3}
        await post([damage("MUG", 2)])
        await sync(shop, grace=GRACE)
        assert store.levels == {MUG: 3, TEE: 10, GIFT: 1, KIT: 3}
        assert KIT not in items_set(store)
        assert KIT not in items_read(router)
        drift = await check_drift(shop)
        assert "KIT" not in {line.sku for line in drift.lines}

    async def test_a_variant_that_becomes_a_bundle_product_stops_being_pushed(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        """Discovery keeps a listing's sync state but takes its managed flag as found now."""
        store.bundles = set()
        await discover(shop.connector)
        await sync(shop, grace=GRACE)
        assert store.levels[KIT] == 0  # a plain product then: pushed
        store.bundles = {KIT}
        report = await discover(shop.connector)
        assert report.managed == ["KIT"]
        calls = len(store.set_calls)
        await post([receive("KIT", 4), damage("TEE", 1)])  # KIT would now plan 4
        report = await sync(shop, grace=GRACE)
        assert (report.pushed, report.quarantined) == (1, [])
        assert KIT not in {
            q["inventoryItemId"] for call in store.set_calls[calls:] for q in call["quantities"]
        }
