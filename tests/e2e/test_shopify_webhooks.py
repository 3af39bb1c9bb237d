"""Shopify webhooks over HTTP into a running `syncbot serve`, signed exactly as Shopify signs.

Bodies are REST Order and Refund resources (Admin API 2026-10 shapes); headers are the ones
Shopify sends: X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body with the app's
secret), Topic, Shop-Domain, Event-Id (one per merchant action), Webhook-Id (one per
delivery), Triggered-At and API-Version. Stock is read back over the HTTP API; the inbox
table, as test_webhooks.py does, is read only to wait for processing or to prove nothing
was written.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import pytest

from syncbot.store.database import close_database, open_database
from syncbot.store.models import InboxDelivery
from syncbot.testing import wait_until

from .conftest import (
    RECEIPT,
    SHOPIFY_MAIN_LOCATION,
    SHOPIFY_SECRET,
    SHOPIFY_SHOP,
    SKU,
    Service,
    StartService,
    refusal,
)

BODY_LIMIT = 64 * 1024  # real order payloads are several KB; the suite's default is 2 KB
ORDER_ID = 820982911946154508
LINE_ID = 466157049
T1, T2, T3, T4 = (f"2026-11-01T{hour}:00:00-04:00" for hour in ("08", "09", "10", "11"))


@pytest.fixture
def shop(start_service: StartService) -> Service:
    """The service with 10 MUG-1 received at main, ready for Shopify's orders."""
    service = start_service(SYNCBOT_MAX_BODY_BYTES=str(BODY_LIMIT))
    assert service.post_movement(RECEIPT).status_code == 201
    return service


def order(
    updated_at: str,
    *,
    current: int = 3,
    shipped: int = 0,
    refunds: tuple[dict[str, Any], ...] = (),
    cancelled_at: str | None = None,
) -> dict[str, Any]:
    """Order #1001 as orders/* deliver it: 3 blue mugs on one line."""
    fulfillments = [
        {
            "id": 4211,
            "admin_graphql_api_id": "gid://shopify/Fulfillment/4211",
            "order_id": ORDER_ID,
            "status": "success",
            "created_at": T2,
            "location_id": SHOPIFY_MAIN_LOCATION,
            "tracking_company": "UPS",
            "tracking_number": "1Z2345",
            "line_items": [{"id": LINE_ID, "sku": SKU, "quantity": shipped}],
        }
    ]
    return {
        "id": ORDER_ID,
        "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}",
        "name": "#1001",
        "created_at": T1,
        "updated_at": updated_at,
        "cancelled_at": cancelled_at,
        "cancel_reason": "customer" if cancelled_at else None,
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": "partial" if shipped else None,
        "line_items": [
            {
                "id": LINE_ID,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{LINE_ID}",
                "variant_id": 40000001,
                "title": "Blue mug",
                "sku": SKU,
                "quantity": 3,
                "current_quantity": current,
                "fulfillable_quantity": max(0, current - shipped),
                "fulfillment_status": "partial" if shipped else None,
                "price": "14.00",
                "requires_shipping": True,
            }
        ],
        "fulfillments": fulfillments if shipped else [],
        "refunds": list(refunds),
    }


def refund(refund_id: int, line_id: int, quantity: int, restock_type: str) -> dict[str, Any]:
    """A refund of order #1001 as refunds/create delivers it."""
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": ORDER_ID,
        "created_at": T3,
        "processed_at": T3,
        "note": None,
        "restock": restock_type != "no_restock",
        "return": None,
        "refund_line_items": [
            {
                "id": line_id,
                "quantity": quantity,
                "line_item_id": LINE_ID,
                "location_id": SHOPIFY_MAIN_LOCATION,
                "restock_type": restock_type,
                "subtotal": 14.0 * quantity,
                "total_tax": 0.0,
                "line_item": {"id": LINE_ID, "sku": SKU, "quantity": 3},
            }
        ],
        "transactions": [],
    }


def deliver(
    service: Service,
    topic: str,
    body: dict[str, Any] | bytes,
    *,
    event_id: str | None = None,
    webhook_id: str | None = None,
    secret: str = SHOPIFY_SECRET,
    without: tuple[str, ...] = (),
) -> httpx.Response:
    """POSTs one delivery the way Shopify does: raw JSON, signed, with its headers (less
    those named in `without`, as deliveries of older API versions come)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOPIFY_SHOP,
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-01T15:00:00.123456789Z",
        "X-Shopify-API-Version": "2026-10",
    }
    for name in without:
        del headers[name]
    return service.client.post("/webhooks/shopify", content=raw, headers=headers)


def accepted(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "accepted"}


def inbox(database_url: str) -> tuple[int, int]:
    """(rows, processed rows) in the inbox."""

    async def count() -> tuple[int, int]:
        await open_database(database_url)
        try:
            rows = await InboxDelivery.all().count()
            done = await InboxDelivery.filter(processed_at__not_isnull=True).count()
            return rows, done
        finally:
            await close_database()

    return asyncio.run(count())


def settled(database_url: str, deliveries: int) -> None:
    """Processing runs after the answer: wait until every stored delivery is processed."""
    wait_until(
        lambda: inbox(database_url) == (deliveries, deliveries),
        15,
        f"{deliveries} deliveries processed",
        interval=0.05,
    )


def closed_with(database_url: str) -> str:
    """Waits until the one delivery is closed for good unprocessed; its readable error."""

    async def row() -> tuple[str, str | None]:
        await open_database(database_url)
        try:
            found = await InboxDelivery.all().first()
            return (found.status, found.last_error) if found else ("", None)
        finally:
            await close_database()

    found = wait_until(
        lambda: (row_now := asyncio.run(row()))[0] == "failed" and row_now,
        15,
        "the delivery closed as failed",
    )
    return found[1]


def totals(service: Service) -> dict[str, int]:
    total: dict[str, int] = service.stock()["total"]
    return {key: total[key] for key in ("on_hand", "available", "committed", "damaged")}


def history(service: Service) -> list[tuple[str, int]]:
    """MUG-1's movements, oldest first (the API lists the newest first)."""
    return [(m["kind"], m["quantity"]) for m in reversed(service.movements())]


def stocked(on_hand: int, available: int, committed: int, damaged: int = 0) -> dict[str, int]:
    return {"on_hand": on_hand, "available": available, "committed": committed, "damaged": damaged}


class TestDeduplication:
    def test_a_retried_delivery_is_answered_and_adds_nothing(
        self, shop: Service, database_url: str
    ) -> None:
        """Shopify's retry resends the same event: 200 duplicate, one commit, one row."""
        accepted(deliver(shop, "orders/create", order(T1), event_id="evt-1", webhook_id="w-1"))
        again = deliver(shop, "orders/create", order(T1), event_id="evt-1", webhook_id="w-1")

        assert again.status_code == 200
        assert again.json() == {"status": "duplicate"}
        settled(database_url, 1)
        assert totals(shop) == stocked(on_hand=10, available=7, committed=3)
        assert history(shop) == [("receive", 10), ("order_commit", 3)]

    def test_one_event_through_two_subscriptions_is_kept_once(
        self, shop: Service, database_url: str
    ) -> None:
        """Two subscriptions send one merchant action with one event id, two webhook ids."""
        accepted(deliver(shop, "orders/create", order(T1), event_id="evt-1", webhook_id="w-a"))
        second = deliver(shop, "orders/create", order(T1), event_id="evt-1", webhook_id="w-b")

        assert second.json() == {"status": "duplicate"}
        settled(database_url, 1)
        assert totals(shop) == stocked(on_hand=10, available=7, committed=3)


class TestOrdering:
    def test_updated_arriving_before_create_converges(
        self, shop: Service, database_url: str
    ) -> None:
        """orders/updated (1 shipped) first, then the older orders/create: the create is
        stale and ignored; the ledger ends as if they had come in order."""
        accepted(deliver(shop, "orders/updated", order(T2, shipped=1)))
        settled(database_url, 1)
        accepted(deliver(shop, "orders/create", order(T1)))
        settled(database_url, 2)

        assert totals(shop) == stocked(on_hand=9, available=7, committed=2)

    def test_a_stale_snapshot_after_a_newer_update_changes_nothing(
        self, shop: Service, database_url: str
    ) -> None:
        """An older orders/updated delivered after a newer one (a late retry) is ignored."""
        accepted(deliver(shop, "orders/create", order(T1), event_id="evt-create"))
        accepted(deliver(shop, "orders/updated", order(T3, current=1), event_id="evt-edit"))
        settled(database_url, 2)
        assert totals(shop) == stocked(on_hand=10, available=9, committed=1)

        accepted(deliver(shop, "orders/updated", order(T2, current=2), event_id="evt-older"))
        retried = deliver(shop, "orders/create", order(T1), event_id="evt-create")
        settled(database_url, 3)

        assert retried.json() == {"status": "duplicate"}
        assert totals(shop) == stocked(on_hand=10, available=9, committed=1)


def test_partial_fulfilment_then_a_return_then_a_cancel_of_the_rest(
    shop: Service, database_url: str
) -> None:
    """3 ordered; 2 shipped; 1 returned and restocked; the last unshipped one cancelled.
    The unit still owed stays committed after the return, though Shopify's
    current_quantity no longer counts the refunded unit."""
    accepted(deliver(shop, "orders/create", order(T1)))
    settled(database_url, 1)
    assert totals(shop) == stocked(on_hand=10, available=7, committed=3)

    accepted(deliver(shop, "orders/partially_fulfilled", order(T2, shipped=2)))
    settled(database_url, 2)
    assert totals(shop) == stocked(on_hand=8, available=7, committed=1)

    returned = refund(9001, 7001, 1, "return")
    accepted(deliver(shop, "refunds/create", returned))
    accepted(deliver(shop, "orders/updated", order(T3, current=2, shipped=2, refunds=(returned,))))
    settled(database_url, 4)
    assert totals(shop) == stocked(on_hand=9, available=8, committed=1)

    cancelled = refund(9002, 7002, 1, "cancel")
    accepted(deliver(shop, "refunds/create", cancelled))
    final = order(T4, current=1, shipped=2, refunds=(returned, cancelled), cancelled_at=T4)
    accepted(deliver(shop, "orders/cancelled", final))
    settled(database_url, 6)

    assert totals(shop) == stocked(on_hand=9, available=9, committed=0)
    assert history(shop) == [
        ("receive", 10),
        ("order_commit", 3),
        ("order_fulfil", 2),
        ("return_restock", 1),
        ("order_cancel", 1),
    ]


class TestRefusals:
    def test_a_bad_signature_writes_nothing(self, shop: Service, database_url: str) -> None:
        """Signed with another secret: 401, no inbox row, no movement."""
        response = deliver(shop, "orders/create", order(T1), secret="not-the-app-secret")

        refusal(response, 401)
        assert inbox(database_url) == (0, 0)
        assert history(shop) == [("receive", 10)]

    def test_an_oversized_body_writes_nothing(self, shop: Service, database_url: str) -> None:
        """A body over the limit is refused with 413 before it is verified or parsed."""
        big = {**order(T1), "note": "x" * BODY_LIMIT}

        refusal(deliver(shop, "orders/create", big), 413)
        assert inbox(database_url) == (0, 0)

    def test_signed_malformed_json_is_kept_and_closed_with_its_reason(
        self, shop: Service, database_url: str
    ) -> None:
        """Correctly signed but not JSON: 200 (a refusal makes Shopify drop the
        subscription), then closed for good with the reason, moving nothing."""
        accepted(deliver(shop, "orders/create", b'{"id": 820982911946154508,'))

        error = closed_with(database_url)
        assert "not JSON" in error
        assert history(shop) == [("receive", 10)]


def test_an_unhandled_topic_is_answered_200_and_moves_nothing(
    shop: Service, database_url: str
) -> None:
    """customers/create is stored and acknowledged, then ignored: no movement."""
    customer = {"id": 706405506930370084, "email": "bob@example.com", "created_at": T1}

    accepted(deliver(shop, "customers/create", customer))
    settled(database_url, 1)

    assert history(shop) == [("receive", 10)]


class TestDeliveriesShopifyReallySends:
    """Issue 20: what Shopify sent in 2024 must be taken, not refused."""

    def test_a_delivery_without_an_event_id_is_applied_and_its_retry_deduplicated(
        self, shop: Service, database_url: str
    ) -> None:
        """API 2024-10 deliveries carry X-Shopify-Webhook-Id, no event id: 200, applied,
        and a retry (the same webhook id) is a duplicate."""
        no_event_id = ("X-Shopify-Event-Id",)
        accepted(
            deliver(shop, "orders/create", order(T1), webhook_id="w-2024", without=no_event_id)
        )
        again = deliver(shop, "orders/create", order(T1), webhook_id="w-2024", without=no_event_id)

        assert again.json() == {"status": "duplicate"}
        settled(database_url, 1)
        assert totals(shop) == stocked(on_hand=10, available=7, committed=3)

    def test_a_delivery_with_no_ids_at_all_is_applied_once(
        self, shop: Service, database_url: str
    ) -> None:
        """Neither event id nor webhook id: keyed by a digest of topic and body."""
        bare = ("X-Shopify-Event-Id", "X-Shopify-Webhook-Id")
        accepted(deliver(shop, "orders/create", order(T1), without=bare))
        assert deliver(shop, "orders/create", order(T1), without=bare).json() == {
            "status": "duplicate"
        }
        settled(database_url, 1)
        assert totals(shop) == stocked(on_hand=10, available=7, committed=3)

    def test_a_legacy_restock_refund_is_applied_not_failed(
        self, shop: Service, database_url: str
    ) -> None:
        """refunds/create with `"restock": true` and no restock_type (Shopify's Python API
        fixture form): 2 shipped, 1 open; refunding all 3 returns the 2 shipped units and
        cancels the open one, as Shopify documented legacy restocks."""
        accepted(deliver(shop, "orders/partially_fulfilled", order(T2, shipped=2)))
        settled(database_url, 1)
        legacy = refund(9003, 7003, 3, "return")
        legacy["restock"] = True
        for refund_line in legacy["refund_line_items"]:
            del refund_line["restock_type"]
            refund_line["line_item"] |= {"fulfillment_status": "partial", "fulfillable_quantity": 1}
        accepted(deliver(shop, "refunds/create", legacy, without=("X-Shopify-Event-Id",)))
        settled(database_url, 2)

        assert history(shop) == [
            ("receive", 10),
            ("order_commit", 2),
            ("order_fulfil", 2),
            ("order_commit", 1),
            ("return_restock", 2),
            ("order_cancel", 1),
        ]
        assert totals(shop) == stocked(on_hand=10, available=10, committed=0)
