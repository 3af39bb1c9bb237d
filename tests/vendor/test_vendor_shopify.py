"""Shopify's documented webhook bodies, with each header set Shopify has sent: every one is
verified (never refused), then applied, parked or ignored with a reason, never failed.

The bodies and header sets, and the document each comes from, are listed in
tests/vendor/shopify/SOURCES.md.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from vendor_outcomes import body, document, outcome

from connectors.base import NotOnStore
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.orders import ORDER, RETURN, LocationMap
from connectors.shopify.webhooks import sign

SHOP = "vendor-test.myshopify.com"
SECRET = "dummy-vendor-webhook-secret"  # a dummy for tests
TOKEN = "shpat_dummy_vendor_token"  # a dummy for tests
URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
PLACES = LocationMap({"487838322": "main"}, default="main")

HEADER_SETS: dict[str, dict[str, str]] = {
    "2026-10": {
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Triggered-At": "2026-11-01T12:00:27.877041743Z",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    },
    "2024-10": {
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": "3a5b5a7c-0f3e-4b8a-9a57-5c1c4a8f2d11",
        "X-Shopify-Triggered-At": "2024-11-05T09:14:02.112233445Z",
    },
    "2023-01": {
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2023-01",
        "X-Shopify-Webhook-Id": "6f0f1d0e-6a4e-4f0b-8f7e-0f2d8b1f7c22",
        "X-Shopify-Triggered-At": "2024-02-12T15:40:11.998877665Z",
    },
    "events": {
        "Shopify-Shop-Domain": SHOP,
        "Shopify-API-Version": "unstable",
        "Shopify-Webhook-Id": "0e9c0c57-1d55-4c1f-9d8a-7b1e2c3d4f55",
        "Shopify-Triggered-At": "2026-11-01T12:00:27Z",
    },
}

SNAPSHOT_OF_450789469 = [
    ("order_commit", "IPOD2008GREEN", 1),
    ("order_commit", "IPOD2008RED", 1),
    ("order_commit", "IPOD2008BLACK", 1),
]
# (file, topic) → (outcome, movements from an empty ledger)
EXPECTED: dict[tuple[str, str], tuple[str, list[tuple[str, str, int]]]] = {
    ("orders_create.json", "orders/create"): ("applied", SNAPSHOT_OF_450789469),
    ("orders_updated.json", "orders/updated"): ("applied", SNAPSHOT_OF_450789469),
    ("orders_paid.json", "orders/paid"): ("applied", SNAPSHOT_OF_450789469),
    ("orders_partially_fulfilled.json", "orders/partially_fulfilled"): (
        "applied",
        [
            ("order_commit", "IPOD2008GREEN", 1),
            ("order_fulfil", "IPOD2008GREEN", 1),
            ("order_commit", "IPOD2008RED", 1),
            ("order_commit", "IPOD2008BLACK", 1),
        ],
    ),
    ("orders_fulfilled.json", "orders/fulfilled"): (
        "applied",
        [
            (kind, sku, 1)
            for sku in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")
            for kind in ("order_commit", "order_fulfil")
        ],
    ),
    # Cancelled before syncbot saw it open: nothing was committed, nothing to release.
    ("orders_cancelled.json", "orders/cancelled"): ("applied", []),
    # The order read back: black removed by the edit, green shipped.
    ("orders_edited.json", "orders/edited"): (
        "applied",
        [
            ("order_commit", "IPOD2008GREEN", 1),
            ("order_fulfil", "IPOD2008GREEN", 1),
            ("order_commit", "IPOD2008RED", 1),
        ],
    ),
    ("refunds_create.json", "refunds/create"): (
        "applied",
        [("return_restock", "IPOD2008RED", 1)],
    ),
    # restock: true, nothing shipped (fulfillment_status null): "cancel", which releases
    # only units still committed; from an empty ledger there are none.
    ("refunds_create_legacy_restock.json", "refunds/create"): ("applied", []),
    ("returns_process.json", "returns/process"): (
        "applied",
        [("return_restock", "IPOD2008GREEN", 1)],
    ),
    ("returns_close.json", "returns/close"): ("applied", [("return_restock", "IPOD2008GREEN", 1)]),
    ("returns_request.json", "returns/request"): ("ignored", []),
}


class GraphQL:
    """The Admin API for respx: ORDER and RETURN answer their read-back files (or null)."""

    def __init__(self) -> None:
        self.missing = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        if query == ORDER:
            data = (
                {"order": None}
                if self.missing
                else document("shopify", "read_order_450789469.json")
            )
        elif query == RETURN:
            data = (
                {"return": None}
                if self.missing
                else document("shopify", "read_return_945000954.json")
            )
        else:
            raise AssertionError(f"unexpected Admin API call: {query[:60]}")
        cost = {
            "requestedQueryCost": 10,
            "actualQueryCost": 10,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1990.0,
                "restoreRate": 100.0,
            },
        }
        return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})


@pytest.fixture
def graphql() -> Iterator[GraphQL]:
    fake = GraphQL()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(URL).mock(side_effect=fake)
        yield fake


@pytest.fixture
async def shopify() -> AsyncIterator[ShopifyConnector]:
    async with httpx.AsyncClient() as http:
        admin = ShopifyAdmin(http, shop=SHOP, access_token=TOKEN)
        yield ShopifyConnector("shop", admin, webhook_secret=SECRET, locations=PLACES)


def signed(raw: bytes, topic: str, header_set: str) -> dict[str, str]:
    """A header set as Shopify sends it, signed over these bytes with the dummy secret."""
    headers = dict(HEADER_SETS[header_set])
    prefix = "Shopify-" if header_set == "events" else "X-Shopify-"
    return headers | {f"{prefix}Topic": topic, f"{prefix}Hmac-Sha256": sign(raw, SECRET)}


@pytest.mark.parametrize("header_set", sorted(HEADER_SETS))
@pytest.mark.parametrize(("name", "topic"), sorted(EXPECTED))
async def test_every_documented_body_is_taken_and_read(
    shopify: ShopifyConnector, graphql: GraphQL, name: str, topic: str, header_set: str
) -> None:
    """Verified under every header set, deduplicated on the best id it has, and then
    applied, parked or ignored as expected: never refused, never failed."""
    raw = body("shopify", name)
    delivery = shopify.verify(raw, signed(raw, topic, header_set))

    if header_set == "2026-10":
        assert delivery.event_id == HEADER_SETS["2026-10"]["X-Shopify-Event-Id"]
    else:
        webhook_id = next(v for k, v in HEADER_SETS[header_set].items() if k.endswith("Webhook-Id"))
        assert delivery.event_id == f"webhook:{webhook_id}"
    assert delivery.topic == topic

    found = outcome(await shopify.parse(delivery, raw))
    kind, movements = EXPECTED[name, topic]
    assert (found.kind, found.movements) == (kind, movements), found


async def test_without_any_delivery_id_a_digest_dedupes_it(shopify: ShopifyConnector) -> None:
    """Neither event id nor webhook id: a digest of topic and body, the same on a retry."""
    raw = body("shopify", "orders_create.json")
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": sign(raw, SECRET)}
    first, retry = shopify.verify(raw, headers), shopify.verify(raw, dict(headers))
    assert first.event_id == retry.event_id
    assert first.event_id.startswith("sha256:")


@pytest.mark.parametrize(
    ("name", "topic", "message"),
    [
        (
            "orders_edited.json",
            "orders/edited",
            "order 450789469 not found on the store: deleted, or the token lacks read_orders",
        ),
        (
            "returns_close.json",
            "returns/close",
            "return 945000954 not found on the store: deleted, or the token lacks read_returns",
        ),
    ],
)
async def test_a_read_back_that_finds_nothing_says_what_was_not_found(
    shopify: ShopifyConnector, graphql: GraphQL, name: str, topic: str, message: str
) -> None:
    """The Admin API answers null (deleted, or a scope lost): NotOnStore, with the reason."""
    graphql.missing = True
    raw = body("shopify", name)
    delivery = shopify.verify(raw, signed(raw, topic, "2024-10"))
    with pytest.raises(NotOnStore) as raised:
        await shopify.parse(delivery, raw)
    assert str(raised.value) == message


async def test_the_legacy_refund_after_its_order_cancels_the_open_units(
    shopify: ShopifyConnector,
) -> None:
    """restock: true on unshipped units releases what orders/create committed."""
    state_events: list[Any] = []
    for name, topic in (
        ("orders_create.json", "orders/create"),
        ("refunds_create_legacy_restock.json", "refunds/create"),
    ):
        raw = body("shopify", name)
        state_events += await shopify.parse(shopify.verify(raw, signed(raw, topic, "2023-01")), raw)
    found = outcome(state_events)
    assert found.movements == [
        *SNAPSHOT_OF_450789469,
        ("order_cancel", "IPOD2008BLACK", 1),
        ("order_cancel", "IPOD2008GREEN", 1),
    ]
