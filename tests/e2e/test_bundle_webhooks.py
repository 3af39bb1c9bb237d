"""Orders of bundles through the running service: a signed webhook for a bundle commits
its components, a return restocks them, a redelivery adds nothing, and `PUT /api/bundles`
with `add` applies a bundle's parked lines; the API's stock shows it all."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from connectors.fake import EVENT_ID, SIGNATURE, TOPIC, sign
from syncbot import ledger
from syncbot.ledger.bundles import Component
from syncbot.store import bundles, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.testing import wait_until

from .conftest import FAKE_SECRET, SKU, SLASHED_SKU, Service, StartService

GIFT = {
    "order_id": "2001",
    "updated_at": "2026-12-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": "GIFT-1", "quantity": 2, "fulfilled": 2}],
}
RETURN = {
    "order_id": "2001",
    "lines": [
        {
            "return_line_id": "R1",
            "line_id": "L1",
            "sku": "GIFT-1",
            "quantity": 1,
            "disposition": "restock",
        }
    ],
}


async def _seed(database_url: str) -> None:
    """10 of MUG-1 and of TEE/RED-M at main; GIFT-1 = MUG-1:2 TEE/RED-M:1."""
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        await add_sku("GIFT-1")
        await posting.post([ledger.receive(SKU, 10), ledger.receive(SLASHED_SKU, 10)])
        parts = [Component(SKU, 2), Component(SLASHED_SKU, 1)]
        await bundles.set_recipe("GIFT-1", parts, "cli:seed", datetime.now(UTC))
    finally:
        await close_database()


def deliver(service: Service, body: dict[str, Any], event_id: str, topic: str) -> None:
    raw = json.dumps(body).encode()
    headers = {SIGNATURE: sign(raw, FAKE_SECRET), EVENT_ID: event_id, TOPIC: topic}
    answer = service.client.post("/webhooks/fake", content=raw, headers=headers)
    assert answer.status_code == 200, answer.text


def available_soon(service: Service, sku: str, expected: int) -> None:
    """Processing runs after the answer: wait for it."""

    def reached() -> bool:
        return bool(service.stock(sku)["total"]["available"] == expected)

    wait_until(reached, 10, f"{sku} available {expected}", interval=0.05)


def test_a_bundle_order_moves_its_components_end_to_end(
    start_service: StartService, database_url: str
) -> None:
    asyncio.run(_seed(database_url))
    service = start_service()
    deliver(service, GIFT, "evt-gift", "order")
    available_soon(service, SKU, 6)
    available_soon(service, SLASHED_SKU, 8)
    gift = service.stock("GIFT-1")
    assert gift["locations"] == {}
    assert gift["bundle"]["available"] == 3
    [shipped, placed, _received] = service.movements(SKU)
    assert (placed["kind"], placed["quantity"], placed["reason"]) == (
        "order_commit",
        4,
        "order placed, in bundle GIFT-1",
    )
    assert (shipped["kind"], shipped["quantity"]) == ("order_fulfil", 4)

    deliver(service, RETURN, "evt-return", "return")
    available_soon(service, SKU, 8)
    available_soon(service, SLASHED_SKU, 9)
    deliver(service, GIFT, "evt-gift-again", "order")  # a redelivery under a new id
    deliver(service, RETURN, "evt-return-again", "return")
    kit = {**GIFT, "order_id": "2002"}
    kit["lines"] = [{"line_id": "L1", "sku": "KIT-1", "quantity": 1}]
    deliver(service, kit, "evt-kit", "order")
    wait_until(lambda: service.client.get("/api/parked").json() != [], 10, "KIT-1 parked")
    assert len(service.movements(SKU)) == 4  # receipt, commit, fulfil, return: once each

    body = {"components": [{"sku": SKU, "quantity": 3}], "add": True}
    answer = service.client.put("/api/bundles/KIT-1", json=body)
    assert answer.status_code == 200, answer.text
    assert service.client.get("/api/parked").json() == []
    assert service.stock(SKU)["total"] == {
        "on_hand": 8,
        "available": 5,
        "committed": 3,
        "damaged": 0,
        "incoming": 0,
    }
