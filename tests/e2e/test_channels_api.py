"""Releasing and syncing through the API of a running `syncbot serve`: a dry run reads the
channel and pushes nothing, a sync pushes, a listing the channel refuses is quarantined,
and a release lets the next sync push it. Channel `store-b` is a fake Shopify Admin API on
127.0.0.1 (connectors.shopify.testing); the roles each route needs are in test_api_auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.shopify.testing import ShopifyInventory, serve

from .conftest import SKU, SLASHED_SKU, Service, StartService
from .test_channel_sync import ITEM, store_b


@pytest.fixture
def inventory() -> Iterator[tuple[ShopifyInventory, str]]:
    fake = ShopifyInventory(variants=[(SKU, ITEM)], levels={ITEM: 4})
    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def service(start_service: StartService, inventory: tuple[ShopifyInventory, str]) -> Service:
    """store-b listed and 10 of SKU received; no scheduler, so only the API pushes."""
    _, url = inventory
    started = start_service(store_b(url), SYNCBOT_SCHEDULER="false")
    started.cli("channels", "discover", "store-b")
    receipt = {"sku": SKU, "kind": "receive", "quantity": 10, "idempotency_key": "po-1"}
    assert started.post_movement(receipt).status_code == 201
    return started


def post(service: Service, path: str, status: int = 200, **options: Any) -> Any:
    answer = service.client.post(path, **options)
    assert answer.status_code == status, answer.text
    return answer.json()


class TestSyncOnRequest:
    def test_a_dry_run_answers_the_plan_and_pushes_nothing(
        self, service: Service, inventory: tuple[ShopifyInventory, str]
    ) -> None:
        """?dry_run=true and {"dry_run": true} answer the same plan against the level read
        now (4), with the SKUs not listed; nothing reaches the channel."""
        fake, _ = inventory

        by_query = post(service, "/api/channels/store-b/sync?dry_run=true")
        by_body = post(service, "/api/channels/store-b/sync", json={"dry_run": True})

        assert by_query == by_body
        assert by_query["channel"] == "store-b"
        assert by_query["lines"] == [
            {
                "sku": SKU,
                "inventory_id": ITEM,
                "channel_now": 4,
                "will_send": 9,
                "action": "push",
                "why": "9 = available 10 \u2212 buffer 1; raise",
            }
        ]
        assert by_query["unlisted"] == [SLASHED_SKU]
        assert fake.set_calls == []

    def test_a_sync_pushes_and_answers_what_it_did(
        self, service: Service, inventory: tuple[ShopifyInventory, str]
    ) -> None:
        fake, _ = inventory

        report = post(service, "/api/channels/store-b/sync")
        again = post(service, "/api/channels/store-b/sync", json={"dry_run": False})

        assert (report["listings"], report["pushed"], report["error"]) == (1, 1, None)
        assert fake.levels[ITEM] == 9
        assert (again["pushed"], again["in_sync"]) == (0, 1)

    def test_a_refused_listing_is_quarantined_and_released_for_the_next_sync(
        self, service: Service, inventory: tuple[ShopifyInventory, str]
    ) -> None:
        """The channel refuses the item: quarantined. Fixed on the channel and released,
        the next sync pushes it."""
        fake, _ = inventory
        fake.unknown.add(ITEM)

        refused = post(service, "/api/channels/store-b/sync")
        assert refused["quarantined"] == [SKU]
        listings = service.client.get("/api/channels/store-b/listings?state=quarantined")
        assert [row["sku"] for row in listings.json()] == [SKU]
        fake.unknown.clear()
        assert post(service, "/api/channels/store-b/sync")["pushed"] == 0

        released = post(service, "/api/channels/store-b/release", json={"skus": [SKU]})
        pushed = post(service, "/api/channels/store-b/sync")

        assert released == {"channel": "store-b", "released": 1}
        assert pushed["pushed"] == 1
        assert fake.levels[ITEM] == 9
        assert post(service, "/api/channels/store-b/release", json={"all": True})["released"] == 0


class TestRefusals:
    def test_an_unknown_channel_is_404_and_bad_input_422(
        self, service: Service, inventory: tuple[ShopifyInventory, str]
    ) -> None:
        fake, _ = inventory
        for path in ("/api/channels/nope/sync", "/api/channels/nope/release"):
            answer = service.client.post(path, json={"all": True} if "release" in path else None)
            assert answer.status_code == 404, answer.text
            assert "no channel named 'nope'" in answer.json()["error"]
        for body in (
            {},
            {"skus": []},
            {"skus": [SKU], "all": True},
            {"skus": ["x" * 200]},
            {"skus": ["a\x00"]},
            {"skus": SKU},
            {"every": True},
        ):
            answer = service.client.post("/api/channels/store-b/release", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["error"]
        for options in ({"params": {"dry_run": "perhaps"}}, {"json": {"dry_run": "x", "y": 1}}):
            answer = service.client.post("/api/channels/store-b/sync", **options)
            assert answer.status_code == 422, answer.text
        assert fake.set_calls == []
