"""Reads of more listings than the threshold are one Shopify bulk operation, read as JSONL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
import respx
from shopify_payloads import MAIN_LOCATION, SHOP

from connectors.base import Listing
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.bulk import BULK_OPERATION_RUN_QUERY
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.documents import INVENTORY_LEVELS
from connectors.shopify.errors import ShopifyBulkFailed
from connectors.shopify.fake_bulk import BULK_RESULTS
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import ShopifyInventory
from syncbot.ledger import receive
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.listings import discover
from syncbot.sync.pusher import sync

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
RESULTS = f"https://{SHOP}{BULK_RESULTS}"
THRESHOLD = 10
TOKEN = "shpat_dummy"


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


@pytest.fixture
def time() -> Time:
    return Time()


@pytest.fixture
def router(time: Time) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        yield mocked


@pytest.fixture
def store(router: respx.MockRouter, time: Time) -> ShopifyInventory:
    inventory = ShopifyInventory(clock=time)
    router.post(URL).mock(side_effect=inventory)
    router.get(url__startswith=RESULTS).mock(side_effect=inventory)
    return inventory


@pytest.fixture
async def shopify(time: Time) -> AsyncIterator[ShopifyConnector]:
    async with httpx.AsyncClient() as http:
        admin = ShopifyAdmin(http, shop=SHOP, access_token=TOKEN, sleep=time.sleep, clock=time)
        yield ShopifyConnector(
            "shop",
            admin,
            webhook_secret="dummy",
            locations=LocationMap({str(MAIN_LOCATION): "main"}, "main"),
            inventory_location=str(MAIN_LOCATION),
            bulk_read_above=THRESHOLD,
        )


def listings(count: int, start: int = 1000) -> list[Listing]:
    return [
        Listing(f"SKU-{n}", f"gid://shopify/ProductVariant/{n}", f"gid://shopify/InventoryItem/{n}")
        for n in range(start, start + count)
    ]


def documents_sent(router: respx.MockRouter) -> list[str]:
    return [
        json.loads(call.request.content)["query"]
        for call in router.calls
        if call.request.method == "POST"
    ]


class TestBulkReads:
    async def test_more_listings_than_the_threshold_take_one_bulk_operation(
        self, shopify: ShopifyConnector, store: ShopifyInventory, router: respx.MockRouter
    ) -> None:
        """Above the threshold: one bulkOperationRunQuery, polls, one download; no paged reads."""
        items = listings(THRESHOLD + 1)
        store.levels = {item.inventory_id: n for n, item in enumerate(items)}

        levels = await shopify.read_levels(items)

        assert levels == {item.inventory_id: n for n, item in enumerate(items)}
        sent = documents_sent(router)
        assert sent.count(BULK_OPERATION_RUN_QUERY) == 1
        assert INVENTORY_LEVELS not in sent
        assert store.bulk.downloads == 1

    async def test_at_the_threshold_the_read_is_paged(
        self, shopify: ShopifyConnector, store: ShopifyInventory, router: respx.MockRouter
    ) -> None:
        """At or below the threshold a bulk operation's start and poll would cost more."""
        await shopify.read_levels(listings(THRESHOLD))

        assert documents_sent(router) == [INVENTORY_LEVELS]
        assert store.bulk.operations == []

    async def test_only_the_listings_asked_for_and_stocked_come_back(
        self, shopify: ShopifyConnector, store: ShopifyInventory
    ) -> None:
        """The export holds every item of the shop: others are dropped, unknown ones absent."""
        items = listings(THRESHOLD + 2)
        store.levels = {item.inventory_id: 4 for item in items}
        store.levels["gid://shopify/InventoryItem/1"] = 9  # listed on no channel of ours
        store.unknown.add(items[0].inventory_id)

        levels = await shopify.read_levels(items)

        assert set(levels) == {item.inventory_id for item in items[1:]}

    async def test_polls_wait_longer_each_time(
        self, shopify: ShopifyConnector, store: ShopifyInventory, time: Time
    ) -> None:
        """The operation is polled with growing waits until it completes."""
        store.bulk.running_polls = 4

        await shopify.read_levels(listings(THRESHOLD + 1))

        assert time.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0]

    @pytest.mark.parametrize("status", ["FAILED", "CANCELED", "EXPIRED"])
    async def test_an_operation_that_does_not_complete_fails_the_read(
        self, shopify: ShopifyConnector, store: ShopifyInventory, status: str
    ) -> None:
        """FAILED, CANCELED or EXPIRED is a ShopifyBulkFailed naming it; nothing is guessed."""
        store.bulk.fails = status

        with pytest.raises(ShopifyBulkFailed, match=status):
            await shopify.read_levels(listings(THRESHOLD + 1))

    async def test_a_shop_with_nothing_stocked_has_no_file_to_read(
        self, shopify: ShopifyConnector, store: ShopifyInventory
    ) -> None:
        """A completed operation with no objects has no url: the levels are empty."""
        store.unknown.update(item.inventory_id for item in listings(THRESHOLD + 1))

        assert await shopify.read_levels(listings(THRESHOLD + 1)) == {}
        assert store.bulk.downloads == 0


class TestTheJsonlFile:
    @pytest.fixture
    def jsonl(self, router: respx.MockRouter, time: Time) -> list[str]:
        """A Shopify answering the bulk documents by hand, with the file's lines set per test."""
        lines: list[str] = []
        done = {"id": "gid://shopify/BulkOperation/7", "status": "COMPLETED", "errorCode": None}
        done |= {"objectCount": "3", "url": f"{RESULTS}7.jsonl"}

        def answer(request: httpx.Request) -> httpx.Response:
            query = json.loads(request.content)["query"]
            if query == BULK_OPERATION_RUN_QUERY:
                started = {"id": done["id"], "status": "CREATED"}
                data = {"bulkOperationRunQuery": {"bulkOperation": started, "userErrors": []}}
            else:
                data = {"bulkOperation": done}
            return httpx.Response(200, json={"data": data})

        router.post(URL).mock(side_effect=answer)
        router.get(f"{RESULTS}7.jsonl").mock(
            side_effect=lambda _: httpx.Response(200, text="\n".join(lines) + "\n")
        )
        return lines

    async def test_nested_lines_with_a_parent_id_are_skipped(
        self, shopify: ShopifyConnector, jsonl: list[str]
    ) -> None:
        """A line carrying __parentId is a nested connection's node, not an item: skipped."""
        item = listings(1)[0].inventory_id
        level = {"quantities": [{"name": "available", "quantity": 6}]}
        jsonl.append(json.dumps({"id": item, "inventoryLevel": level}))
        jsonl.append(json.dumps({"id": "gid://shopify/X/1", "__parentId": item}))
        jsonl.append(json.dumps({"id": listings(1, 1001)[0].inventory_id, "inventoryLevel": None}))

        levels = await shopify.read_levels(listings(THRESHOLD + 1))

        assert levels == {item: 6}

    async def test_the_download_never_carries_the_access_token(
        self, shopify: ShopifyConnector, jsonl: list[str], router: respx.MockRouter
    ) -> None:
        """The result URL is signed storage, not the Admin API: the token stays home."""
        await shopify.read_levels(listings(THRESHOLD + 1))

        (download,) = [call.request for call in router.calls if call.request.method == "GET"]
        assert "X-Shopify-Access-Token" not in download.headers
        assert TOKEN not in str(download.headers)

    async def test_a_failed_download_is_a_failed_bulk_read(
        self, shopify: ShopifyConnector, router: respx.MockRouter, jsonl: list[str]
    ) -> None:
        """An expired or refused file URL fails the read, to be tried again next time."""
        router.get(f"{RESULTS}7.jsonl").mock(return_value=httpx.Response(403))

        with pytest.raises(ShopifyBulkFailed, match="HTTP 403"):
            await shopify.read_levels(listings(THRESHOLD + 1))


class TestSyncReadsInBulk:
    @pytest.fixture
    async def channel(
        self, database: str, shopify: ShopifyConnector, store: ShopifyInventory
    ) -> SyncChannel:
        """30 SKUs with 10 available each, listed on the Shopify channel."""
        items = listings(3 * THRESHOLD)
        for item in items:
            await add_sku(item.sku)
            await post([receive(item.sku, 10)])

        class Lister:
            name = shopify.name

            async def listings(self) -> list[Listing]:
                return items

        await discover(Lister())  # type: ignore[arg-type]
        return SyncChannel(shopify, ("main",))

    async def test_the_first_sync_reads_every_new_listing_in_one_bulk_operation(
        self, channel: SyncChannel, store: ShopifyInventory, router: respx.MockRouter
    ) -> None:
        """A first sync of more new listings than the threshold reads them in bulk, then
        pushes each to its planned 10."""
        await sync(channel, grace=timedelta(minutes=10))

        assert INVENTORY_LEVELS not in documents_sent(router)
        assert len(store.bulk.operations) == 1
        assert set(store.levels.values()) == {10}
        assert len(store.levels) == 3 * THRESHOLD

    async def test_the_drift_check_reads_in_one_bulk_operation(
        self, channel: SyncChannel, store: ShopifyInventory, router: respx.MockRouter
    ) -> None:
        """The drift check hands every listing to one read, which is a bulk operation."""
        await sync(channel, grace=timedelta(minutes=10))
        store.levels[listings(1)[0].inventory_id] = 7
        store.bulk.operations.clear()

        report = await check_drift(channel)

        assert len(store.bulk.operations) == 1
        assert [line.drift for line in report.lines if line.drift] == [-3]
