"""Catch-up and listing discovery against the fake storefront, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Listing
from connectors.fake import FakeConnector
from syncbot.intake.catch_up import NotCaughtUpYet, catch_up
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store import models, sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import record_order_event
from syncbot.store.stock import stock
from syncbot.sync.listings import discover

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def order(order_id: str, minutes: int, fulfilled: int = 0) -> OrderSnapshot:
    line = OrderLine("L1", "MUG", quantity=2, current=2, fulfilled=fulfilled)
    return OrderSnapshot(order_id, T0 + timedelta(minutes=minutes), (line,))


@pytest.fixture
async def shop(database: str) -> FakeConnector:
    await add_sku("MUG")
    return FakeConnector("shop", secret="dummy")


class TestCatchUp:
    async def test_missed_orders_are_recovered_and_seen_ones_not_recounted(
        self, shop: FakeConnector
    ) -> None:
        """An order the webhook delivered reconciles to nothing; a missed one is applied."""
        await record_order_event("shop", order("1", 0))
        shop.orders = [order("1", 0), order("2", 1), order("3", 2, fulfilled=2)]
        report = await catch_up(shop, since=T0 - timedelta(days=1))
        assert (len(report.orders), len(report.changed)) == (3, 2)
        total = (await stock("MUG")).total
        assert (total.committed, total.on_hand) == (4, -2)

    async def test_the_cursor_resumes_after_the_newest_order_read(
        self, shop: FakeConnector
    ) -> None:
        shop.orders = [order("1", 0), order("2", 1), order("3", 2)]
        await catch_up(shop, since=T0 - timedelta(days=1))
        shop.orders.append(order("4", 3))
        again = await catch_up(shop)
        assert again.orders == {"4"}
        cursor = await models.ChannelCursor.get(channel="shop")
        assert cursor.orders_updated_at == T0 + timedelta(minutes=3)

    async def test_an_order_the_store_cannot_hold_is_reported_and_the_rest_applied(
        self, shop: FakeConnector
    ) -> None:
        shop.orders = [order("9" * 65, 0), order("2", 1)]
        report = await catch_up(shop, since=T0 - timedelta(days=1))
        assert report.changed == {"2"}
        (refusal,) = report.refused
        assert "order id is 65 characters long, over the limit of 64" in refusal
        assert (await stock("MUG")).total.committed == 2

    async def test_the_first_catch_up_needs_a_start(self, shop: FakeConnector) -> None:
        """Orders before the stock count the ledger started from are in that count."""
        shop.orders = [order("1", 0)]
        answer = await catch_up(shop)
        assert isinstance(answer, NotCaughtUpYet)
        assert "--since" in str(answer)
        assert await models.Movement.all().count() == 0


class TestDiscovery:
    async def test_listings_are_stored_and_problems_reported(self, shop: FakeConnector) -> None:
        shop.listed = [
            Listing("MUG", "v1", "i1"),
            Listing("CUP", "v2", "i2"),
            Listing("CUP", "v3", "i3"),
            Listing("BOWL", "v4", "i4"),
            Listing("", "v5", "i5"),
        ]
        report = await discover(shop)
        assert report.duplicates == {"CUP": ["v2", "v3"]}
        assert report.unknown == ["BOWL", "CUP"]
        assert report.without_sku == 1
        stored = await sync_models.ChannelListing.all().values_list("sku", "inventory_id")
        assert sorted(stored) == [("BOWL", "i4"), ("MUG", "i1")]

    async def test_create_skus_adds_the_unknown_ones(self, shop: FakeConnector) -> None:
        shop.listed = [Listing("BOWL", "v4", "i4"), Listing("bad sku", "v6", "i6")]
        report = await discover(shop, create_skus=True)
        assert report.created == ["BOWL"]
        assert report.unknown == ["bad sku"]
        assert await models.Sku.filter(code="BOWL").exists()
