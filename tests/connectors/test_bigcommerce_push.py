"""Listings from catalog variants; levels read and written at one inventory location."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from connectors.base import LevelChange, Listing
from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.bigcommerce.testing import BigCommerceStore


@pytest.fixture
def store() -> BigCommerceStore:
    return BigCommerceStore(location_id=2)


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
            yield BigCommerceConnector("bc", api, client_secret="dummy", location_id=2)


def change(item: Listing, quantity: int, expected: int | None = 0) -> LevelChange:
    return LevelChange(item, quantity, expected, idempotency_key=f"k-{item.inventory_id}")


async def listed(bc: BigCommerceConnector, store: BigCommerceStore, count: int) -> list[Listing]:
    for number in range(count):
        store.add_variant(f"SKU-{number:04}")
    return sorted(await bc.listings(), key=lambda item: item.sku)


class TestListings:
    async def test_each_variant_with_a_sku_is_a_listing_at_the_configured_location(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        variant_id = store.add_variant("TEE-S", product_id=77)
        store.add_variant(None)
        store.add_variant("")
        assert list(await bc.listings()) == [
            Listing(
                sku="TEE-S",
                listing_id=f"77/{variant_id}",
                inventory_id=str(variant_id),
                location_id="2",
            )
        ]

    async def test_duplicate_skus_are_separate_listings(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        first, second = store.add_variant("DUP"), store.add_variant("DUP")
        assert [item.inventory_id for item in await bc.listings()] == [str(first), str(second)]

    async def test_every_page_of_variants_is_read(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        assert len(await listed(bc, store, 501)) == 501
        assert [request.url.params["page"] for request in store.requests] == ["1", "2", "3"]
        assert store.requests[0].url.params["limit"] == "250"


class TestReadLevels:
    async def test_on_hand_by_variant_id_in_pages_of_250(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        """Levels are read 250 variant ids a request, the v3 page maximum."""
        items = await listed(bc, store, 300)
        store.levels[(2, int(items[0].inventory_id))] = 9
        store.requests.clear()
        levels = await bc.read_levels(items)
        assert len(levels) == 300
        assert levels[items[0].inventory_id] == 9
        assert [request.url.path for request in store.requests] == [
            "/stores/fakestore/v3/inventory/locations/2/items"
        ] * 2
        assert len(store.requests[0].url.params["variant_id:in"].split(",")) == 250
        assert store.requests[0].url.params["limit"] == "250"


class TestPush:
    async def test_an_accepted_adjustment_is_acknowledged_and_sent_as_documented(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        [item] = await listed(bc, store, 1)
        [outcome] = await bc.push_levels([change(item, 7)])
        assert (outcome.acknowledged, outcome.stale, outcome.error) == (7, False, None)
        [sent] = store.adjustments
        assert sent["items"] == [
            {"location_id": 2, "variant_id": int(item.inventory_id), "quantity": 7}
        ]
        assert sent["reason"]
        assert store.level(item.inventory_id) == 7

    async def test_a_change_whose_expected_is_stale_is_not_sent(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        """No compare-and-set: the batch is read first, and stale changes stay home."""
        stale, fresh = await listed(bc, store, 2)
        store.levels[(2, int(stale.inventory_id))] = 3
        outcomes = await bc.push_levels([change(stale, 5), change(fresh, 5)])
        assert [(o.stale, o.acknowledged) for o in outcomes] == [(True, None), (False, 5)]
        assert store.level(stale.inventory_id) == 3
        assert [len(sent["items"]) for sent in store.adjustments] == [1]

    async def test_a_change_without_expected_is_sent_without_a_read(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        [item] = await listed(bc, store, 1)
        store.requests.clear()
        [outcome] = await bc.push_levels([change(item, 4, expected=None)])
        assert outcome.acknowledged == 4
        assert [request.method for request in store.requests] == ["PUT"]

    async def test_all_stale_sends_nothing(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        [item] = await listed(bc, store, 1)
        [outcome] = await bc.push_levels([change(item, 4, expected=9)])
        assert outcome.stale
        assert store.write_calls == 0

    async def test_more_than_two_thousand_changes_go_in_several_calls(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        items = await listed(bc, store, 4001)
        outcomes = await bc.push_levels([change(item, 2) for item in items])
        assert {outcome.acknowledged for outcome in outcomes} == {2}
        assert [len(sent["items"]) for sent in store.adjustments] == [2000, 2000, 1]

    async def test_items_a_422_names_fail_alone_and_the_rest_are_resubmitted(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        items = await listed(bc, store, 4)
        store.failing = {int(items[1].inventory_id), int(items[3].inventory_id)}
        outcomes = await bc.push_levels([change(item, 6) for item in items])
        assert [outcome.acknowledged for outcome in outcomes] == [6, None, 6, None]
        assert "variant_id" in (outcomes[1].error or "")
        assert outcomes[3].error
        assert store.write_calls == 2
        assert [len(sent["items"]) for sent in store.adjustments] == [2]
        assert store.level(items[1].inventory_id) == 0

    async def test_a_refusal_naming_no_item_fails_the_whole_batch(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        items = await listed(bc, store, 2)
        problem = {"status": 422, "title": "Payload contains invalid fields", "errors": {}}
        store.fail_next.append(httpx.Response(422, json=problem))
        outcomes = await bc.push_levels([change(item, 1, expected=None) for item in items])
        assert [outcome.acknowledged for outcome in outcomes] == [None, None]
        assert all("invalid fields" in (outcome.error or "") for outcome in outcomes)

    async def test_a_refusal_naming_an_item_by_position_fails_that_item(
        self, bc: BigCommerceConnector, store: BigCommerceStore
    ) -> None:
        items = await listed(bc, store, 3)
        problem = {"status": 422, "title": "Invalid", "errors": {"items.2.quantity": "too big"}}
        store.fail_next.append(httpx.Response(422, json=problem))
        outcomes = await bc.push_levels([change(item, 1, expected=None) for item in items])
        assert [outcome.acknowledged for outcome in outcomes] == [1, 1, None]
