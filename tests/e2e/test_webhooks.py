"""Webhooks over HTTP: signed deliveries are kept, answered at once and applied once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from connectors.fake import EVENT_ID, SIGNATURE, TOPIC, sign
from syncbot.store.database import close_database, open_database
from syncbot.store.models import InboxDelivery
from syncbot.testing import wait_until

from .conftest import EMPTY, FAKE_SECRET, MAX_BODY_BYTES, SKU, Service, StartService, refusal

ORDER = {
    "order_id": "1001",
    "updated_at": "2026-11-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": SKU, "quantity": 3}],
}


def deliver(
    service: Service,
    body: dict[str, Any],
    event_id: str = "evt-1",
    topic: str = "order",
    secret: str = FAKE_SECRET,
    channel: str = "fake",
) -> Any:
    raw = json.dumps(body).encode()
    headers = {SIGNATURE: sign(raw, secret), EVENT_ID: event_id, TOPIC: topic}
    return service.client.post(f"/webhooks/{channel}", content=raw, headers=headers)


def committed_soon(service: Service, expected: int) -> dict[str, Any]:
    """Processing runs after the answer: wait for it, up to a few seconds."""

    def committed() -> dict[str, Any] | None:
        stock = service.stock()
        return stock if stock["total"]["committed"] == expected else None

    found: dict[str, Any] = wait_until(committed, 10, f"committed {expected}", interval=0.05)
    return found


def inbox_rows(database_url: str) -> int:
    async def count() -> int:
        await open_database(database_url)
        try:
            return await InboxDelivery.all().count()
        finally:
            await close_database()

    return asyncio.run(count())


class TestDeliveries:
    def test_a_signed_order_is_accepted_and_commits_its_units(
        self, running_service: Service
    ) -> None:
        response = deliver(running_service, ORDER)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "accepted"}
        stock = committed_soon(running_service, 3)
        assert stock["total"]["available"] == -3

    def test_a_redelivery_is_answered_and_adds_nothing(self, running_service: Service) -> None:
        """The same event through a retry or a second subscription is one delivery."""
        deliver(running_service, ORDER)
        again = deliver(running_service, ORDER)
        assert again.json() == {"status": "duplicate"}
        committed_soon(running_service, 3)
        assert len(running_service.movements()) == 1

    def test_a_newer_snapshot_reconciles_the_difference(self, running_service: Service) -> None:
        deliver(running_service, ORDER)
        committed_soon(running_service, 3)
        fulfilled = {**ORDER, "updated_at": "2026-11-01T13:00:00+00:00"}
        fulfilled["lines"] = [{"line_id": "L1", "sku": SKU, "quantity": 3, "fulfilled": 2}]
        deliver(running_service, fulfilled, event_id="evt-2")
        stock = committed_soon(running_service, 1)
        assert stock["total"]["on_hand"] == -2

    def test_an_unhandled_topic_is_answered_and_ignored(self, running_service: Service) -> None:
        assert deliver(running_service, {}, topic="customers/create").status_code == 200
        assert running_service.movements() == []


class TestRefusals:
    def test_a_bad_signature_writes_nothing(
        self, running_service: Service, database_url: str
    ) -> None:
        refusal(deliver(running_service, ORDER, secret="not-the-secret"), 401)
        assert inbox_rows(database_url) == 0
        assert running_service.stock()["total"] == EMPTY

    def test_a_missing_signature_writes_nothing(
        self, running_service: Service, database_url: str
    ) -> None:
        raw = json.dumps(ORDER).encode()
        response = running_service.client.post(
            "/webhooks/fake", content=raw, headers={EVENT_ID: "e", TOPIC: "order"}
        )
        refusal(response, 401)
        assert inbox_rows(database_url) == 0

    def test_an_unknown_channel_is_not_found(self, running_service: Service) -> None:
        refusal(deliver(running_service, ORDER, channel="nope"), 404)

    def test_an_oversized_body_writes_nothing(
        self, running_service: Service, database_url: str
    ) -> None:
        big = {**ORDER, "padding": "x" * MAX_BODY_BYTES}
        refusal(deliver(running_service, big), 413)
        assert inbox_rows(database_url) == 0

    def test_signed_malformed_json_is_kept_not_refused(
        self, running_service: Service, database_url: str
    ) -> None:
        """Correctly signed, a body that is not JSON is kept (a refusal makes storefronts
        drop the hook); processing closes it with its reason and moves nothing."""
        raw = b"{not json"
        headers = {SIGNATURE: sign(raw, FAKE_SECRET), EVENT_ID: "bad", TOPIC: "order"}
        response = running_service.client.post("/webhooks/fake", content=raw, headers=headers)
        assert response.status_code == 200
        assert response.json() == {"status": "accepted"}
        assert inbox_rows(database_url) == 1
        assert committed_soon(running_service, 0)["total"]["committed"] == 0


def test_a_delivery_stored_before_a_crash_is_processed_at_the_next_start(
    start_service: StartService, database_url: str
) -> None:
    """The inbox row survives the process; the next `serve` applies it at start."""
    asyncio.run(_stored_but_not_processed(database_url))
    service = start_service()
    stock = committed_soon(service, 3)
    assert stock["total"]["committed"] == 3


async def _stored_but_not_processed(database_url: str) -> None:
    await open_database(database_url)
    try:
        await InboxDelivery.create(
            channel="fake",
            event_id="evt-crash",
            topic="order",
            headers={},
            body=json.dumps(ORDER).encode(),
        )
    finally:
        await close_database()


def test_a_line_for_an_unknown_sku_is_reported_as_parked(running_service: Service) -> None:
    unknown = {**ORDER, "lines": [{"line_id": "L7", "sku": "NEW-SKU", "quantity": 1}]}
    deliver(running_service, unknown)
    parked = wait_until(
        lambda: running_service.client.get("/api/parked").json(), 10, "the line was parked"
    )
    assert [(p["order_id"], p["line_id"], p["sku"], p["quantity"]) for p in parked] == [
        ("1001", "L7", "NEW-SKU", 1)
    ]
