"""A sync of more listings than one SQLite statement takes keys for (`key_lists.CHUNK`):
the reads and the `sending` record split on SQLite, one array parameter on PostgreSQL,
and nothing lost or reordered either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Listing
from connectors.fake import FakeConnector
from syncbot.ledger import receive
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store import sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.key_lists import CHUNK
from syncbot.store.orders import record_order_event
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.listings import discover
from syncbot.sync.pusher import sync

SKUS = [f"SKU-{n:04d}" for n in range(CHUNK + 301)]
FIRST, LAST = SKUS[0], SKUS[-1]
"""In the first and the last of SQLite's chunks."""
GRACE = timedelta(minutes=10)


@pytest.fixture
async def shop(database: str) -> FakeConnector:
    """Channel `shop` lists every SKU, holding 0 of each; syncbot has 10 of each, and the
    channel takes them all in one call."""
    connector = FakeConnector("shop", secret="dummy", batch_limit=len(SKUS))
    for sku in SKUS:
        await add_sku(sku)
    await post([receive(sku, 10) for sku in SKUS])
    connector.listed = [Listing(sku, f"variant-{sku}", f"item-{sku}") for sku in SKUS]
    await discover(connector)
    return connector


async def run(shop: FakeConnector) -> None:
    await sync(SyncChannel(shop, ("main",)), grace=GRACE, skus=SKUS)


class TestManyListings:
    async def test_one_call_of_every_listing_is_recorded_in_sku_order(
        self, shop: FakeConnector
    ) -> None:
        """Each change recorded `sending` in the order sent, then acknowledged."""
        await run(shop)
        assert [[change.listing.sku for change in call] for call in shop.pushes] == [SKUS]
        rows = (
            await sync_models.ListingPush.all()
            .order_by("id")
            .values_list("sku", "status", "acknowledged", "idempotency_key")
        )
        assert [(sku, status, held) for sku, status, held, _ in rows] == [
            (sku, "acknowledged", 10) for sku in SKUS
        ]
        assert len({key for *_, key in rows}) == len(SKUS)
        assert shop.levels == {f"item-{sku}": 10 for sku in SKUS}

    async def test_the_channels_own_sales_are_read_in_every_chunk(
        self, shop: FakeConnector
    ) -> None:
        """A raise after the channel sold units itself goes out only when syncbot has
        ingested those sales: here both, for a SKU in the first chunk and in the last."""
        await run(shop)
        for order_id, sku, units in (("1", FIRST, 2), ("2", LAST, 3)):
            shop.levels[f"item-{sku}"] -= units  # the channel's own order, as it counts it
            line = OrderLine("L1", sku, quantity=units, current=units, fulfilled=0)
            at = datetime(2026, 11, 25, 12, tzinfo=UTC)
            await record_order_event("shop", OrderSnapshot(order_id, at, (line,)))
        await post([receive(FIRST, 5), receive(LAST, 5)])
        await check_drift(SyncChannel(shop, ("main",)))  # syncbot now knows the lower levels
        await run(shop)
        assert (shop.levels[f"item-{FIRST}"], shop.levels[f"item-{LAST}"]) == (13, 12)
        held = await sync_models.ChannelListing.filter(held_since__isnull=False).count()
        assert held == 0
