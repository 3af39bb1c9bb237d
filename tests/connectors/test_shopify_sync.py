"""Channel sync to a Shopify store, on a real database, with the Admin API mocked by respx.

The store is stateful (connectors/shopify/testing.py): it keeps levels, refuses a
stale compare-and-set, remembers idempotency keys and meters cost in a leaky bucket whose
clock advances only when the client sleeps, so rate-limit tests take no real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
import respx
from shopify_payloads import MAIN_LOCATION, SHOP

from connectors.base import Listing
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import ShopifyInventory
from syncbot.ledger import damage, receive
from syncbot.store import models, sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.store.status import ListingFilter, listing_states
from syncbot.sync.channels import SyncChannel
from syncbot.sync.failures import SENDS
from syncbot.sync.listings import discover
from syncbot.sync.pusher import SyncReport, sync

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
GRACE = timedelta(minutes=10)


class Time:
    """The test's clock: it moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Lister:
    """The connector's listings() answer, set by each test (discovery is tested elsewhere)."""

    def __init__(self, connector: ShopifyConnector, listed: list[Listing]) -> None:
        self.name, self.listed = connector.name, listed

    async def listings(self) -> list[Listing]:
        return self.listed


@pytest.fixture
def time() -> Time:
    return Time()


@pytest.fixture
def store(time: Time) -> Iterator[ShopifyInventory]:
    inventory = ShopifyInventory(clock=time)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(URL).mock(side_effect=inventory)
        yield inventory


@pytest.fixture
async def shop(database: str, time: Time) -> AsyncIterator[SyncChannel]:
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


async def stock_listings(channel: SyncChannel, count: int, available: int = 10) -> list[str]:
    """`count` SKUs with `available` units, listed on the channel; their item gids."""
    listed = []
    for n in range(count):
        sku = f"SKU-{n:04d}"
        await add_sku(sku)
        await post([receive(sku, available)])
        gid = f"gid://shopify/InventoryItem/{1000 + n}"
        listed.append(Listing(sku, f"gid://shopify/ProductVariant/{1000 + n}", gid))
    await discover(Lister(channel.connector, listed))  # type: ignore[arg-type]
    return [item.inventory_id for item in listed]


async def run(channel: SyncChannel) -> SyncReport:
    return await sync(channel, grace=GRACE)


class TestPushingToShopify:
    async def test_only_changed_listings_are_pushed(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        items = await stock_listings(shop, 3)
        await run(shop)
        assert store.levels == dict.fromkeys(items, 10)
        await post([damage("SKU-0001", 4)])
        before = len(store.set_calls)

        report = await run(shop)

        assert report.pushed == 1
        (call,) = store.set_calls[before:]
        assert call["quantities"] == [
            {
                "inventoryItemId": items[1],
                "locationId": f"gid://shopify/Location/{MAIN_LOCATION}",
                "quantity": 6,
                "changeFromQuantity": 10,
            }
        ]
        assert call["reason"] == "correction"

    async def test_600_changed_listings_push_in_3_calls(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        items = await stock_listings(shop, 600)
        store.levels = dict.fromkeys(items, 0)
        store.available = store.maximum = 2000.0
        report = await run(shop)
        assert report.pushed == 600
        assert [len(call["quantities"]) for call in store.set_calls] == [250, 250, 100]
        assert store.levels == dict.fromkeys(items, 10)

    async def test_a_stale_compare_is_re_read_and_retried_alone(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        """Someone changed one level on Shopify: the other items go through, that one is
        read again and sent alone against the level Shopify really holds."""
        items = await stock_listings(shop, 3)
        await run(shop)
        store.levels[items[0]] = 25  # edited in the Shopify admin
        for n in range(3):
            await post([damage(f"SKU-{n:04d}", 1)])
        before = len(store.set_calls)

        report = await run(shop)

        calls = store.set_calls[before:]
        assert [len(call["quantities"]) for call in calls] == [3, 2, 1]
        assert calls[-1]["quantities"][0]["changeFromQuantity"] == 25
        assert (report.stale, report.pushed) == (1, 3)
        assert store.levels == dict.fromkeys(items, 9)

    async def test_a_throttled_storm_backs_off_and_converges(
        self, shop: SyncChannel, store: ShopifyInventory, time: Time
    ) -> None:
        items = await stock_listings(shop, 5)
        store.levels = dict.fromkeys(items, 0)
        store.throttle_next = 6
        report = await run(shop)
        assert report.pushed == 5
        assert store.levels == dict.fromkeys(items, 10)
        assert store.throttled >= 6
        assert time.sleeps  # it waited between THROTTLED answers instead of hammering

    async def test_pacing_by_the_bucket_keeps_throttled_rare(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        """1,000 listings read and pushed through a 1000-point bucket: the client waits
        for the restore rate instead of spending calls on THROTTLED answers."""
        items = await stock_listings(shop, 1000)
        store.levels = dict.fromkeys(items, 0)
        report = await run(shop)
        assert report.pushed == 1000
        assert store.throttled == 0

    async def test_a_429_with_retry_after_is_honoured(
        self, shop: SyncChannel, store: ShopifyInventory, time: Time
    ) -> None:
        items = await stock_listings(shop, 2)
        store.levels = dict.fromkeys(items, 0)
        await run(shop)
        await post([damage("SKU-0000", 1)])
        too_many = httpx.Response(429, headers={"Retry-After": "3"}, json={"errors": "Exceeded"})
        store.fail_next = [too_many]
        report = await run(shop)
        assert report.pushed == 1
        assert 3.0 in time.sleeps

    async def test_one_bad_item_does_not_fail_the_other_249(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        items = await stock_listings(shop, 250)
        store.levels = dict.fromkeys(items, 0)
        store.unknown = {items[17]}
        report = await run(shop)
        assert report.pushed == 249
        assert report.quarantined == ["SKU-0017"]
        listing = await sync_models.ChannelListing.get(channel="shop", sku="SKU-0017")
        assert listing.quarantined_error is not None
        assert listing.quarantined_error.startswith("INVALID_INVENTORY_ITEM")

    async def test_a_crash_between_sending_and_recording_replays_the_same_key(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        """Shopify applied the push but the answer never arrived, five times over: the
        sync stops with the change recorded as sending. The next sync (a new process,
        say) sends it again under the same key; Shopify answers the first result."""
        items = await stock_listings(shop, 1)
        store.levels = {items[0]: 0}
        await run(shop)
        await post([damage("SKU-0000", 2)])
        store.lose_answers = 5  # every attempt of the admin client loses its answer

        failed = await run(shop)

        assert failed.error is not None
        pending = await sync_models.ListingPush.get(status="sending")
        first_key = store.set_calls[-1]["idempotencyKey"]
        applied = store.applied

        again = await run(shop)

        assert again.resumed == 1
        assert store.set_calls[-1]["idempotencyKey"] == first_key
        assert store.applied == applied  # applied once, by the first attempt
        assert store.levels[items[0]] == 8
        await pending.refresh_from_db()
        assert (pending.status, pending.acknowledged) == ("acknowledged", 8)


INT_BEYOND = 3_000_000_000


async def stock_beyond_int(sku: str) -> None:
    """Available 3,000,000,000 (one movement holds at most 10^9)."""
    await post([receive(sku, INT_BEYOND // 3) for _ in range(3)])


class TestABatchShopifyRefusesWhole:
    """A quantity beyond GraphQL `Int` fails the whole inventorySetQuantities call with a
    top-level INVALID_VARIABLE (HTTP 200, nothing applied). Such a batch is resent at most
    `SENDS` times, then abandoned and re-planned; the channel never stalls behind it."""

    async def test_bounded_resends_then_abandoned_and_the_channel_keeps_syncing(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        # Without the clamp, as for a limit syncbot does not foresee.
        shop.connector.max_quantity = None  # type: ignore[misc]
        items = await stock_listings(shop, 3)
        store.levels = dict.fromkeys(items, 0)
        await run(shop)
        await stock_beyond_int("SKU-0000")
        await post([damage("SKU-0001", 1)])

        first = await run(shop)

        assert first.error is not None
        assert "INVALID_VARIABLE" in first.error
        assert first.refused == 2
        refused = await sync_models.ListingPush.filter(status="sending").order_by("id")
        assert [(push.sku, push.attempts) for push in refused] == [
            ("SKU-0000", 1),
            ("SKU-0001", 1),
        ]
        keys = {push.idempotency_key for push in refused}

        # Another SKU changes: it goes in the next sync, ahead of the refused batch.
        await post([damage("SKU-0002", 3)])
        second = await run(shop)
        assert store.levels[items[2]] == 7
        assert (second.pushed, second.resumed, second.refused) == (1, 2, 2)

        third = await run(shop)
        assert third.abandoned == ["SKU-0000", "SKU-0001"]
        batch_calls = [
            call
            for call in store.set_calls
            if {q["inventoryItemId"] for q in call["quantities"]} == {items[0], items[1]}
        ]
        assert len(batch_calls) == SENDS  # the same batch, under the same key, each time
        assert len({call["idempotencyKey"] for call in batch_calls}) == 1
        pushes = await sync_models.ListingPush.filter(idempotency_key__in=keys)
        assert {(push.status, push.attempts) for push in pushes} == {("abandoned", SENDS)}
        abandoned = await listing_states("shop", ListingFilter.ABANDONED)
        assert [row.sku for row in abandoned] == ["SKU-0000", "SKU-0001"]
        assert all("INVALID_VARIABLE" in (row.abandoned_error or "") for row in abandoned)
        event = await models.OutboxEvent.get(name="push_abandoned")
        assert event.payload["skus"] == ["SKU-0000", "SKU-0001"]
        assert event.payload["attempts"] == SENDS

        # Next sync: both are read again and re-planned from current balances, each alone.
        # SKU-0001 goes through; SKU-0000 fails only its own call.
        reads = store.set_calls[:]
        await post([damage("SKU-0002", 1)])
        fourth = await run(shop)
        assert store.levels[items[1]] == 9
        assert store.levels[items[2]] == 6
        assert fourth.pushed == 2
        alone = [call for call in store.set_calls[len(reads) :] if len(call["quantities"]) == 1]
        assert {call["quantities"][0]["inventoryItemId"] for call in alone} >= {
            items[0],
            items[1],
        }
        assert [row.sku for row in await listing_states("shop", ListingFilter.ABANDONED)] == [
            "SKU-0000"
        ]

        # The quantity is corrected: within the bound, SKU-0000 syncs again.
        await post([damage("SKU-0000", 1_000_000_000) for _ in range(3)])
        await post([damage("SKU-0000", 5)])  # 3,000,000,010 received in all: 5 left
        for _ in range(SENDS + 1):
            await run(shop)
            if store.levels[items[0]] == 5:
                break
        assert store.levels[items[0]] == 5
        assert await listing_states("shop", ListingFilter.ABANDONED) == []
        health = await sync_models.ChannelHealth.get(channel="shop")
        assert (health.error, health.failures) == (None, 0)

    async def test_with_the_clamp_shopify_holds_its_maximum_and_nothing_is_refused(
        self, shop: SyncChannel, store: ShopifyInventory
    ) -> None:
        items = await stock_listings(shop, 2)
        store.levels = dict.fromkeys(items, 0)
        await stock_beyond_int("SKU-0000")

        report = await run(shop)

        assert (report.pushed, report.error) == (2, None)
        assert store.levels[items[0]] == 2_147_483_647
        push = await sync_models.ListingPush.get(sku="SKU-0000")
        assert push.explanation == (
            "2147483647 = available 3000000010, clamped to Shopify's maximum 2147483647"
        )
