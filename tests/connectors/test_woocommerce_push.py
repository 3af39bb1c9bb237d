"""Pushing stock to WooCommerce: a read before each write, 100 per call, 429 and 5xx waited out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from connectors.base import ConnectorError, LevelChange, Listing
from connectors.woocommerce.api import WooCommerceApi, WooCommerceThrottled, WooCommerceUnavailable
from connectors.woocommerce.connector import WooCommerceConnector
from connectors.woocommerce.testing import WooCommerceStore


class Sleeps(list[float]):
    """Every wait the API client makes, without waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def store() -> WooCommerceStore:
    return WooCommerceStore()


@pytest.fixture
def router(store: WooCommerceStore) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        store.mount(mocked)
        yield mocked


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def connector(
    store: WooCommerceStore, router: respx.MockRouter, sleeps: Sleeps
) -> AsyncIterator[WooCommerceConnector]:
    async with httpx.AsyncClient() as http:
        api = WooCommerceApi(
            http,
            url=store.url,
            consumer_key=store.consumer_key,
            consumer_secret=store.consumer_secret,
            sleep=sleeps,
            random_fraction=lambda: 1.0,  # the largest backoff, so tests see its cap
        )
        yield WooCommerceConnector("woo", api, webhook_secret="x", location="main")


def change(inventory_id: str, quantity: int, expected: int | None = 0) -> LevelChange:
    listing = Listing(f"SKU-{inventory_id}", inventory_id, inventory_id)
    return LevelChange(listing, quantity, expected, idempotency_key=f"key-{inventory_id}")


def writes(store: WooCommerceStore) -> list[httpx.Request]:
    return [request for request in store.requests if request.method == "POST"]


class TestCompareThenWrite:
    async def test_a_changed_level_is_stale_and_not_written(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """The store sold one since the plan: stale, left as it is; the other is written."""
        sold, kept = store.add_product("A", stock=5), store.add_product("B", stock=5)
        store.item(sold)["stock_quantity"] = 4

        outcomes = await connector.push_levels([change(sold, 9, 5), change(kept, 9, 5)])

        assert [(o.stale, o.acknowledged) for o in outcomes] == [(True, None), (False, 9)]
        assert (store.level(sold), store.level(kept)) == (4, 9)
        assert json.loads(writes(store)[0].content) == {
            "update": [{"id": int(kept), "stock_quantity": 9}]
        }

    async def test_the_read_comes_right_before_the_write(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """One GET with include= then one batch POST: the window between them is one trip."""
        items = [store.add_product(f"S{n}", stock=0) for n in range(3)]

        await connector.push_levels([change(item, 2) for item in items])

        assert [request.method for request in store.requests] == ["GET", "POST"]
        assert store.requests[0].url.params["include"] == ",".join(items)

    async def test_a_change_without_expected_is_written_unread(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """expected=None skips the compare: no read at all."""
        item = store.add_product("A", stock=3)

        (outcome,) = await connector.push_levels([change(item, 7, expected=None)])

        assert outcome.acknowledged == 7
        assert [request.method for request in store.requests] == ["POST"]

    async def test_an_item_no_longer_managed_is_an_error_not_a_write(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Manage stock turned off (or the product deleted) since discovery: say so, alone."""
        off, gone = store.add_product("A", stock=3), "99999"
        store.item(off)["manage_stock"] = False

        outcomes = await connector.push_levels([change(off, 1, 3), change(gone, 1, 3)])

        assert all("does not manage its stock" in (o.error or "") for o in outcomes)
        assert writes(store) == []

    async def test_the_acknowledged_quantity_is_the_one_the_store_answers(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """A plugin that clamps stock answers another figure: that is what is recorded."""
        item = store.add_product("A", stock=0)
        answer = {"update": [{"id": int(item), "manage_stock": True, "stock_quantity": 5}]}
        store.queued.append(
            httpx.Response(200, json=[{"id": int(item), "manage_stock": True, "stock_quantity": 0}])
        )
        store.queued.append(httpx.Response(200, json=answer))

        (outcome,) = await connector.push_levels([change(item, 8)])

        assert outcome.acknowledged == 5


class TestBatches:
    async def test_more_than_a_hundred_changes_take_several_calls(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """250 products: calls of 100, 100 and 50, every item acknowledged."""
        items = [store.add_product(f"S{n}", stock=0) for n in range(250)]

        outcomes = await connector.push_levels([change(item, 3) for item in items])

        assert [len(json.loads(r.content)["update"]) for r in writes(store)] == [100, 100, 50]
        assert {outcome.acknowledged for outcome in outcomes} == {3}

    async def test_variations_go_to_their_parents_batch_endpoint(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """Products to /products/batch, each parent's variations to its own endpoint."""
        simple = store.add_product("A", stock=0)
        shirts, caps = store.add_variable(["TEE-S", "TEE-M"]), store.add_variable(["CAP-S"])
        every = [simple, *shirts, *caps]

        outcomes = await connector.push_levels([change(item, 4) for item in every])

        assert [outcome.acknowledged for outcome in outcomes] == [4] * 4
        assert {request.url.path for request in writes(store)} == {
            "/wp-json/wc/v3/products/batch",
            f"/wp-json/wc/v3/products/{shirts[0].split('/')[0]}/variations/batch",
            f"/wp-json/wc/v3/products/{caps[0].split('/')[0]}/variations/batch",
        }
        assert {store.level(item) for item in every} == {4}

    async def test_one_refused_item_fails_alone(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """A per-item error in the batch answer is that item's error; the rest are applied."""
        items = [store.add_product(f"S{n}", stock=0) for n in range(3)]
        store.failing.add(items[1])

        outcomes = await connector.push_levels([change(item, 6) for item in items])

        assert outcomes[1].error == "woocommerce_rest_product_invalid_id: Invalid ID."
        assert outcomes[1].acknowledged is None
        assert [outcomes[0].acknowledged, outcomes[2].acknowledged] == [6, 6]

    async def test_a_call_refused_as_a_whole_fails_only_its_items(
        self, connector: WooCommerceConnector, store: WooCommerceStore
    ) -> None:
        """HTTP 400 on the products' batch fails its items; a parent's variations still go."""
        simple = store.add_product("A", stock=0)
        (shirt,) = store.add_variable(["TEE-S"])
        refused = httpx.Response(400, json={"code": "rest_invalid_param", "message": "Invalid"})
        read = [{"id": int(simple), "manage_stock": True, "stock_quantity": 0}]
        store.queued += [httpx.Response(200, json=read), refused]

        outcomes = await connector.push_levels([change(simple, 1), change(shirt, 1)])

        assert "HTTP 400: rest_invalid_param" in (outcomes[0].error or "")
        assert outcomes[1].acknowledged == 1


class TestWaits:
    async def test_a_429_is_waited_out_for_its_retry_after(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """Retry-After: 7 waits seven seconds through the injected sleep, then retries."""
        item = store.add_product("A", stock=0)
        store.throttle_next(7)

        (outcome,) = await connector.push_levels([change(item, 2)])

        assert outcome.acknowledged == 2
        assert sleeps == [7.0]

    async def test_a_retry_after_too_long_to_wait_is_reported(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """An hour's Retry-After is not waited inside one push: throttled, try later."""
        item = store.add_product("A", stock=0)
        store.throttle_next(3600)

        with pytest.raises(WooCommerceThrottled, match="Retry-After 3600s"):
            await connector.push_levels([change(item, 2)])
        assert sleeps == []

    async def test_server_errors_are_retried_with_growing_backoff(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """Two 503s then the answer: waits of 0.5 s and 1 s (full jitter at its cap)."""
        item = store.add_product("A", stock=0)
        store.queued += [httpx.Response(503), httpx.Response(502)]

        (outcome,) = await connector.push_levels([change(item, 2)])

        assert outcome.acknowledged == 2
        assert sleeps == [0.5, 1.0]

    async def test_server_errors_that_last_are_unavailable(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """After four attempts the push stops: WooCommerceUnavailable, try again later."""
        item = store.add_product("A", stock=0)
        store.queued += [httpx.Response(500)] * 4

        with pytest.raises(WooCommerceUnavailable, match="failed 4 time"):
            await connector.push_levels([change(item, 2)])
        assert len(sleeps) == 3

    async def test_a_network_failure_on_the_write_is_raised_at_once(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """The write may have applied: not repeated here; a ConnectorError lets the sync resend."""
        item = store.add_product("A", stock=0)
        store.queued.append(httpx.ConnectError(f"reset, key {store.consumer_secret}"))

        with pytest.raises(ConnectorError, match="the answer was lost") as caught:
            await connector.push_levels([change(item, 2, expected=None)])

        assert len(store.requests) == 1
        assert sleeps == []
        assert store.consumer_secret not in str(caught.value)

    async def test_a_network_failure_on_a_read_is_retried(
        self, connector: WooCommerceConnector, store: WooCommerceStore, sleeps: Sleeps
    ) -> None:
        """Reads are safe to repeat: a dropped connection is tried again after a backoff."""
        item = store.add_product("A", stock=1)
        store.queued.append(httpx.ReadError("connection reset"))

        levels = await connector.read_levels([Listing("A", item, item)])

        assert levels == {item: 1}
        assert sleeps == [0.5]
