"""Id-only BigCommerce webhooks are read back through the API; catch-up pages by date_modified."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.base import NotOnStore, OrdersPage
from connectors.bigcommerce.api import BigCommerceAPI, BigCommerceAuthError, BigCommerceBadResponse
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.bigcommerce.testing import BigCommerceStore
from syncbot.ledger.orders import Disposition, OrderEvent, OrderReturn, OrderSnapshot

NOW = 1_793_534_400.0
CREATED = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def store() -> BigCommerceStore:
    return BigCommerceStore(clock=lambda: NOW)


@pytest.fixture
async def bc(store: BigCommerceStore) -> AsyncIterator[BigCommerceConnector]:
    async def no_wait(seconds: float) -> None:
        return None

    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        store.mount(router)
        async with httpx.AsyncClient() as http:
            api = BigCommerceAPI(
                http, store_hash=store.store_hash, access_token=store.access_token, sleep=no_wait
            )
            yield BigCommerceConnector(
                "bc",
                api,
                client_secret=store.client_secret,
                default_location="east",
                clock=lambda: NOW,
                orders_page_size=3,
            )


async def read(
    bc: BigCommerceConnector, store: BigCommerceStore, scope: str, **ids: int
) -> list[OrderEvent]:
    body, headers = store.delivery(scope, 250, **ids)
    return list(await bc.parse(bc.verify(body, headers), body))


class TestParse:
    async def test_an_order_webhook_reads_the_order_and_its_products(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(250, [("A", 2), ("B", 1)], CREATED)
        [event] = await read(bc, store, "store/order/created")
        assert isinstance(event, OrderSnapshot)
        assert [(line.sku, line.quantity, line.location) for line in event.lines] == [
            ("A", 2, "east"),
            ("B", 1, "east"),
        ]
        paths = [request.url.path for request in store.requests]
        assert paths == [
            "/stores/fakestore/v2/orders/250",
            "/stores/fakestore/v2/orders/250/products",
        ]

    async def test_a_status_update_reads_the_order_as_it_is_now(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(250, [("A", 2)], CREATED)
        store.update_order(250, CREATED + timedelta(hours=1), status=3, shipped={"A": 1})
        [event] = await read(bc, store, "store/order/statusUpdated")
        assert isinstance(event, OrderSnapshot)
        assert event.lines[0].fulfilled == 1
        assert event.updated_at == CREATED + timedelta(hours=1)

    async def test_a_refund_webhook_also_reads_the_orders_refunds(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(250, [("A", 2)], CREATED)
        store.refund(250, 7, {"A": 1}, CREATED + timedelta(hours=1))
        snapshot, refunded = await read(bc, store, "store/order/refund/created", refund_id=7)
        assert isinstance(snapshot, OrderSnapshot)
        assert isinstance(refunded, OrderReturn)
        assert [(line.quantity, line.disposition) for line in refunded.lines] == [
            (1, Disposition.CANCEL)
        ]
        assert store.requests[-1].url.path.endswith("/v3/orders/250/payment_actions/refunds")

    async def test_an_order_deleted_since_says_it_was_not_found(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        """The order read back answers 404: NotOnStore, with the reason, not silence."""
        with pytest.raises(NotOnStore, match="order 250 not found on the store"):
            await read(bc, store, "store/order/updated")

    async def test_an_incomplete_order_yields_nothing(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(250, [("A", 2)], CREATED, status=0)
        assert await read(bc, store, "store/order/created") == []

    async def test_other_scopes_are_not_read(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        assert await read(bc, store, "store/order/archived") == []
        assert store.requests == []

    async def test_a_wrong_token_is_an_auth_error_without_the_token(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(250, [("A", 2)], CREATED)
        store.access_token = "rotated"
        with pytest.raises(BigCommerceAuthError, match="HTTP 401") as refused:
            await read(bc, store, "store/order/created")
        assert "dummy-access-token" not in str(refused.value)


class TestCatchUp:
    async def pages(self, bc: BigCommerceConnector, cursor: datetime | None) -> list[OrdersPage]:
        return [page async for page in bc.orders_since(cursor)]

    async def test_every_order_is_read_page_by_page_oldest_first(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        for number in range(7):
            store.add_order(900 - number, [("A", 1)], CREATED + timedelta(seconds=number))
        pages = await self.pages(bc, None)
        assert [len(page.events) for page in pages] == [3, 3, 1]
        order_ids = [event.order_id for page in pages for event in page.events]
        assert order_ids == [str(900 - number) for number in range(7)]
        assert [page.cursor for page in pages] == [
            CREATED + timedelta(seconds=2),
            CREATED + timedelta(seconds=5),
            CREATED + timedelta(seconds=6),
        ]
        first = store.requests[0].url.params
        assert (first["sort"], first["limit"], first["page"]) == ("date_modified:asc", "3", "1")

    async def test_a_full_last_page_ends_at_the_204_of_the_next(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        for number in range(3):
            store.add_order(number + 1, [("A", 1)], CREATED + timedelta(seconds=number))
        assert [len(page.events) for page in await self.pages(bc, None)] == [3]
        assert store.requests[-1].url.params["page"] == "2"

    async def test_the_cursor_asks_for_orders_modified_since(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(1, [("A", 1)], CREATED)
        store.add_order(2, [("A", 1)], CREATED + timedelta(minutes=5))
        pages = await self.pages(bc, CREATED + timedelta(minutes=1))
        assert [event.order_id for page in pages for event in page.events] == ["2"]
        since = store.requests[0].url.params["min_date_modified"]
        assert since == "Sun, 01 Nov 2026 12:01:00 +0000"

    async def test_nothing_new_yields_no_page(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        assert await self.pages(bc, CREATED) == []

    async def test_incomplete_orders_move_the_cursor_without_events(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(1, [("A", 1)], CREATED, status=0)
        [page] = await self.pages(bc, None)
        assert (list(page.events), page.cursor) == ([], CREATED)

    async def test_an_order_with_many_products_is_read_whole(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.add_order(1, [(f"SKU-{n}", 1) for n in range(260)], CREATED)
        [page] = await self.pages(bc, None)
        [event] = page.events
        assert isinstance(event, OrderSnapshot)
        assert len(event.lines) == 260

    async def test_an_answer_that_is_not_a_list_is_a_bad_response(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        store.fail_next.append(httpx.Response(200, json={"status": 200, "title": "?"}))
        with pytest.raises(BigCommerceBadResponse, match="v2/orders did not answer a list"):
            await self.pages(bc, None)
