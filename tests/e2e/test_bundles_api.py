"""`/api/bundles` and `GET /api/stock/{bundle}` over real HTTP, on SQLite and PostgreSQL:
a manager sets a recipe, a viewer reads it with its availability and limiting component,
and refusals (a nested bundle, stock on a bundle's code) write nothing."""

from __future__ import annotations

import asyncio

import pytest

from syncbot import ledger
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database

from .conftest import Api, refusal


async def _seed(database_url: str) -> None:
    """CUP-1 7 at main and 4 at east, TEE-1 10 and CAP-1 5 at main; GIFT-1 and SET-1
    without stock."""
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        for code in ("CUP-1", "TEE-1", "CAP-1", "GIFT-1", "SET-1"):
            await add_sku(code)
        await posting.post([ledger.receive("CUP-1", 7), ledger.receive("TEE-1", 10)])
        await posting.post([ledger.receive("CUP-1", 4, "east"), ledger.receive("CAP-1", 5)])
    finally:
        await close_database()


@pytest.fixture
def shop(database_url: str) -> None:
    """The catalogue above, written before the service starts."""
    asyncio.run(_seed(database_url))


@pytest.fixture
def gift(shop: None, api: Api) -> Api:
    """GIFT-1 = CUP-1:2 TEE-1:1, set by a manager."""
    body = {"components": [{"sku": "TEE-1", "quantity": 1}, {"sku": "CUP-1", "quantity": 2}]}
    answer = api.call("PUT", "/api/bundles/GIFT-1", api.tokens["manager"], json=body)
    assert answer.status_code == 200, answer.text
    return api


def test_a_manager_sets_and_a_viewer_reads_the_availability(gift: Api) -> None:
    answer = gift.call("GET", "/api/bundles/GIFT-1", gift.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["components"] == [
        {"sku": "CUP-1", "quantity": 2},
        {"sku": "TEE-1", "quantity": 1},
    ]
    assert (bundle["version"], bundle["changed_by"]) == (1, "api:manager")
    main = next(place for place in bundle["stock"]["locations"] if place["location"] == "main")
    assert main["explanation"] == "3, limited by CUP-1: 7 available / 2"
    assert main["limited_by"] == {"sku": "CUP-1", "available": 7, "per_bundle": 2}
    assert bundle["stock"]["available"] == 3
    listed = gift.call("GET", "/api/bundles", gift.tokens["viewer"]).json()
    assert [one["bundle"] for one in listed] == ["GIFT-1"]


def test_the_stock_read_of_a_bundle_carries_its_availability(gift: Api) -> None:
    """`GET /api/stock/GIFT-1`: no stock of its own, and the bundle figures beside."""
    answer = gift.call("GET", "/api/stock/GIFT-1", gift.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    stock = answer.json()
    assert stock["locations"] == {}
    assert stock["bundle"]["available"] == 3
    plain = gift.call("GET", "/api/stock/CUP-1", gift.tokens["viewer"]).json()
    assert plain["bundle"] is None


def test_a_change_moves_the_version_and_delete_makes_a_plain_sku(gift: Api) -> None:
    manager = gift.tokens["manager"]
    body = {"components": [{"sku": "CUP-1", "quantity": 1}]}
    changed = gift.call("PUT", "/api/bundles/GIFT-1", manager, json=body).json()
    assert (changed["version"], changed["stock"]["available"]) == (2, 11)
    removed = gift.call("DELETE", "/api/bundles/GIFT-1", manager)
    assert removed.status_code == 200, removed.text
    refusal(gift.call("GET", "/api/bundles/GIFT-1", gift.tokens["viewer"]), 404)


def test_a_clerk_may_not_set_a_recipe(gift: Api) -> None:
    body = {"components": [{"sku": "TEE-1", "quantity": 1}]}
    answer = gift.call("PUT", "/api/bundles/SET-1", gift.tokens["clerk"], json=body)
    assert "manager" in refusal(answer, 403)


def test_refusals_write_nothing(gift: Api) -> None:
    """A bundle inside a bundle 422; a SKU with stock 409 naming it; a receipt on a bundle
    409 naming its components; a bad quantity 422."""
    manager = gift.tokens["manager"]
    nested = {"components": [{"sku": "GIFT-1", "quantity": 1}]}
    assert "bundle itself" in refusal(
        gift.call("PUT", "/api/bundles/SET-1", manager, json=nested), 422
    )
    plain = {"components": [{"sku": "TEE-1", "quantity": 1}]}
    assert "main 5 on hand" in refusal(
        gift.call("PUT", "/api/bundles/CAP-1", manager, json=plain), 409
    )
    zero = {"components": [{"sku": "TEE-1", "quantity": 0}]}
    refusal(gift.call("PUT", "/api/bundles/SET-1", manager, json=zero), 422)
    receipt = {"sku": "GIFT-1", "kind": "receive", "quantity": 1}
    message = refusal(gift.call("POST", "/api/movements", manager, json=receipt), 409)
    assert "(CUP-1, TEE-1)" in message
    listed = gift.call("GET", "/api/bundles", gift.tokens["viewer"]).json()
    assert [one["bundle"] for one in listed] == ["GIFT-1"]
    history = gift.call("GET", "/api/movements?sku=GIFT-1", gift.tokens["viewer"]).json()
    assert history == []
