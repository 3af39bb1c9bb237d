"""The WooCommerce connector against the fake store: reads behind parse, catch-up, listings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta

import httpx
import pytest
import respx

from connectors.base import ConnectorError, Listing, NotOnStore
from connectors.woocommerce.api import (
    WooCommerceApi,
    WooCommerceAuthError,
    WooCommerceBadResponse,
)
from connectors.woocommerce.connector import WooCommerceConnector
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.ledger.orders import Disposition, OrderEvent, OrderReturn, OrderSnapshot


@pytest.fixture
def store() -> WooCommerceStore:
    made = WooCommerceStore()
    made.add_product("MUG", stock=10)
    return made


@pytest.fixture
def router(store: WooCommerceStore) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        store.mount(mocked)
        yield mocked


@pytest.fixture
async def connector(
    store: WooCommerceStore, router: respx.MockRouter
) -> AsyncIterator[WooCommerceConnector]:
    async with httpx.AsyncClient() as http:
        api = WooCommerceApi(
            http,
            url=store.url,
            consumer_key=store.consumer_key,
            consumer_secret=store.consumer_secret,
        )
        yield WooCommerceConnector(
            "woo", api, webhook_secret=store.webhook_secret, location="main", orders_page_size=3
        )


async def parsed(
    connector: WooCommerceConnector, store: WooCommerceStore, topic: str, order: int
) -> Sequence[OrderEvent]:
    webhook = store.webhook(topic, order)
    return await connector.parse(connector.verify(webhook.body, webhook.headers), webhook.body)


def paths(store: WooCommerceStore) -> list[str]:
    return [request.url.path.removeprefix("/wp-json/wc/v3") for request in store.requests]


class TestCheck:
    async def test_check_names_the_store_and_where_its_stock_is(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """system_status (environment only) names the WooCommerce and WordPress versions."""
        assert await connector.check() == (
            "WooCommerce 9.4.0 at https://shop.example.com (WordPress 6.7.1), stock at 'main'"
        )
        assert store.requests[0].url.params["_fields"] == "environment"

    async def test_wrong_keys_are_an_auth_error_that_shows_no_key(
        self, store: WooCommerceStore, router: respx.MockRouter
    ) -> None:
        """HTTP 401 says to fix the keys, and never repeats them."""
        async with httpx.AsyncClient() as http:
            api = WooCommerceApi(
                http, url=store.url, consumer_key="ck_wrong_dummy", consumer_secret="cs_wrong_dummy"
            )
            wrong = WooCommerceConnector("woo", api, webhook_secret="x", location="main")
            with pytest.raises(WooCommerceAuthError, match="consumer key") as caught:
                await wrong.check()

        assert "ck_wrong_dummy" not in str(caught.value)
        assert "cs_wrong_dummy" not in str(caught.value)

    async def test_a_redirect_says_which_url_to_set(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """The site moved to www: the error names where, instead of following with the keys."""
        moved = "https://www.shop.example.com/wp-json/wc/v3/system_status"
        store.queued.append(httpx.Response(301, headers={"Location": moved}))

        with pytest.raises(WooCommerceBadResponse, match=f"HTTP 301 to {moved}: set url"):
            await connector.check()


class TestParse:
    async def test_an_order_with_refunds_reads_them(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """The order lists refund ids only: their lines come from GET /orders/{id}/refunds."""
        order = store.place_order({"MUG": 2})
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 1}, restock=True)

        events = await parsed(connector, store, "order.updated", order)

        assert paths(store) == [f"/orders/{order}/refunds"]
        assert isinstance(events[1], OrderReturn)
        assert [line.disposition for line in events[1].lines] == [Disposition.RESTOCK]

    async def test_an_order_without_refunds_needs_no_request(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """The body is the snapshot: nothing is read."""
        order = store.place_order({"MUG": 2})
        (snapshot,) = await parsed(connector, store, "order.created", order)
        assert isinstance(snapshot, OrderSnapshot)
        assert store.requests == []

    async def test_a_trashed_order_is_read_and_released(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """order.deleted carries the id only; the order read back is in the trash: cancel."""
        order = store.place_order({"MUG": 2})
        store.trash(order)

        (snapshot,) = await parsed(connector, store, "order.deleted", order)

        assert paths(store) == [f"/orders/{order}"]
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.cancelled

    async def test_a_restored_order_is_read_and_holds_its_units_again(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """order.restored reads the order as it is now and reconciles it."""
        order = store.place_order({"MUG": 2})
        store.trash(order)
        store.restore(order)

        (snapshot,) = await parsed(connector, store, "order.restored", order)

        assert isinstance(snapshot, OrderSnapshot)
        assert not snapshot.cancelled
        assert snapshot.updated_at == store.now

    async def test_an_order_deleted_for_good_is_reported_not_guessed(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """If the order is gone (404) its lines are unknown: NotOnStore says so."""
        order = store.place_order({"MUG": 2})
        webhook = store.webhook("order.deleted", order)
        del store.orders[order]

        with pytest.raises(NotOnStore, match="release the units it holds by hand"):
            await connector.parse(connector.verify(webhook.body, webhook.headers), webhook.body)

    async def test_other_topics_are_no_events(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """A product.updated delivery verifies, and parses to nothing."""
        order = store.place_order({"MUG": 2})
        assert await parsed(connector, store, "product.updated", order) == []
        assert store.requests == []


class TestCatchUp:
    async def test_catch_up_reads_every_order_by_modified_date_in_gmt(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Seven orders in pages of three: all read, oldest first, the cursor the newest date."""
        orders = [store.place_order({"MUG": 1}) for _ in range(7)]

        pages = [page async for page in connector.orders_since(None)]

        seen = [event.order_id for page in pages for event in page.events]
        assert list(dict.fromkeys(seen)) == [str(order) for order in orders]
        cursors = [page.cursor for page in pages if page.cursor is not None]
        assert len(cursors) == len(pages)
        assert cursors == sorted(cursors)
        assert pages[-1].cursor == store.now
        query = store.requests[0].url.params
        assert (query["orderby"], query["order"], query["dates_are_gmt"]) == (
            "modified",
            "asc",
            "true",
        )

    async def test_an_order_saved_during_catch_up_skips_no_other(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Saving a read order moves the rest up a place; pages restart by date, not number."""
        orders = [store.place_order({"MUG": 1}) for _ in range(7)]
        pages = connector.orders_since(None)
        first = await anext(pages)
        store.set_status(orders[0], "completed")  # now the newest: the others move up

        rest = [page async for page in pages]

        seen = {event.order_id for page in [first, *rest] for event in page.events}
        assert seen == {str(order) for order in orders}

    async def test_a_page_saved_in_one_second_is_followed_by_page_number(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Five orders saved in the same second, pages of three: no date to restart from."""
        orders = [store.place_order({"MUG": 1}) for _ in range(5)]
        for order in orders:
            store.orders[order]["date_modified_gmt"] = "2026-11-20T10:00:30"

        pages = [page async for page in connector.orders_since(None)]

        seen = {event.order_id for page in pages for event in page.events}
        assert seen == {str(order) for order in orders}
        assert [request.url.params["page"] for request in store.requests][-1] == "2"

    async def test_catch_up_starts_a_second_before_the_cursor(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """modified_after is strict and dates have whole seconds: one second of overlap."""
        seen_before = store.place_order({"MUG": 1})
        cursor = store.now
        store.now -= timedelta(seconds=1)  # the next save lands in the cursor's own second
        same_second = store.place_order({"MUG": 1})
        store.now += timedelta(seconds=5)
        newer = store.place_order({"MUG": 1})
        assert store.orders[same_second]["date_modified_gmt"] == cursor.strftime(
            "%Y-%m-%dT%H:%M:%S"
        )

        seen = [
            event.order_id async for page in connector.orders_since(cursor) for event in page.events
        ]

        assert store.requests[0].url.params["modified_after"] == (
            (cursor - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        )
        assert {str(same_second), str(newer)} <= set(seen)
        assert str(seen_before) in seen  # saved in that second too: read again, harmlessly

    async def test_catch_up_reads_refunds_of_refunded_orders(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """A missed refund is recovered: the order's refunds are read during catch-up."""
        order = store.place_order({"MUG": 2})
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 2}, restock=True)

        events = [event async for page in connector.orders_since(None) for event in page.events]

        assert isinstance(events[1], OrderReturn)
        assert [line.disposition for line in events[1].lines] == [Disposition.RESTOCK] * 2

    async def test_a_cursor_never_moves_back_on_an_empty_page(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Nothing new: one empty page that keeps the cursor where it was."""
        store.place_order({"MUG": 1})
        cursor = store.now + timedelta(hours=1)

        pages = [page async for page in connector.orders_since(cursor)]

        assert [(page.events, page.cursor) for page in pages] == [([], cursor)]


class TestListings:
    async def test_products_and_variations_that_manage_stock_are_listed(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Simple products by id, variations as parent/variation; no SKU or no stock: left out."""
        store.add_product("NOT-MANAGED", manage_stock=False)
        store.add_product("")
        shirts = store.add_variable(["TEE-S", "TEE-M", "TEE-L"])
        store.item(shirts[2])["manage_stock"] = "parent"  # the parent's stock, which it lacks

        listed = await connector.listings()

        mug = next(key for key, product in store.products.items() if product["sku"] == "MUG")
        assert listed == [
            Listing("MUG", str(mug), str(mug)),
            Listing("TEE-S", shirts[0], shirts[0]),
            Listing("TEE-M", shirts[1], shirts[1]),
        ]

    async def test_listings_page_through_a_large_catalogue(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """130 products take two pages of 100; duplicates are kept for the caller to report."""
        for number in range(129):
            store.add_product("DUP" if number < 2 else f"SKU-{number}")

        listed = await connector.listings()

        assert len(listed) == 130
        assert [listing.sku for listing in listed].count("DUP") == 2
        assert [request.url.params["page"] for request in store.requests] == ["1", "2"]

    async def test_levels_are_read_by_inventory_id(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """One read per collection; gone or unmanaged items are left out."""
        simple = store.add_product("CAP", stock=4)
        unmanaged = store.add_product("BAG", stock=None, manage_stock=False)
        shirts = store.add_variable(["TEE-S", "TEE-M"], stock=6)
        store.item(shirts[1])["stock_quantity"] = 1
        listings = [
            Listing(sku, key, key)
            for sku, key in [
                ("CAP", simple),
                ("BAG", unmanaged),
                ("TEE-S", shirts[0]),
                ("TEE-M", shirts[1]),
                ("GONE", "99999"),
            ]
        ]

        levels = await connector.read_levels(listings)

        assert levels == {simple: 4, shirts[0]: 6, shirts[1]: 1}
        assert sorted(paths(store)) == sorted(
            ["/products", f"/products/{shirts[0].split('/')[0]}/variations"]
        )

    async def test_a_foreign_inventory_id_is_refused(self, connector: WooCommerceConnector) -> None:
        """An id that is not "n" or "n/m" cannot be a WooCommerce item."""
        with pytest.raises(ConnectorError, match="not a WooCommerce inventory id"):
            await connector.read_levels([Listing("X", "gid://shopify/1", "gid://shopify/1")])
