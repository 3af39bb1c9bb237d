"""The fake connector under the contract: its JSON stories, its in-memory store, no HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import respx

from connectors.base import Connector, Listing
from connectors.fake import EVENT_ID, SIGNATURE, TOPIC, FakeConnector, sign
from syncbot.ledger.orders import OrderLine, OrderSnapshot

from .harness import SKU_A, SKU_B, Signed, Sleep

SECRET = "dummy-contract-secret"  # a dummy for tests
ORDER_ID = "5001"
CREATED = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _order(
    minutes: int, *, shipped: tuple[int, int] = (0, 0), cancelled: bool = False
) -> dict[str, Any]:
    """The story's order as the fake sends it, `minutes` after it was created."""
    lines = [("l-a", SKU_A, 2, shipped[0]), ("l-b", SKU_B, 1, shipped[1])]
    return {
        "order_id": ORDER_ID,
        "updated_at": (CREATED + timedelta(minutes=minutes)).isoformat(),
        "cancelled": cancelled,
        "lines": [
            {"line_id": line_id, "sku": sku, "quantity": quantity, "fulfilled": fulfilled}
            for line_id, sku, quantity, fulfilled in lines
        ],
    }


def _return(disposition: str) -> dict[str, Any]:
    """One unit of SKU_A refunded after it shipped, with what became of it."""
    line = {"return_line_id": "r-1", "line_id": "l-a", "sku": SKU_A, "quantity": 1}
    return {"order_id": ORDER_ID, "lines": [{**line, "disposition": disposition}]}


STORIES: Mapping[str, list[tuple[str, dict[str, Any]]]] = {
    "new": [("order", _order(0))],
    "partial": [("order", _order(0)), ("order", _order(5, shipped=(1, 0)))],
    "cancel": [("order", _order(0)), ("order", _order(5, cancelled=True))],
    "refund_restock": [
        ("order", _order(0)),
        ("order", _order(5, shipped=(2, 1))),
        ("return", _return("restock")),
    ],
    "refund_no_restock": [
        ("order", _order(0)),
        ("order", _order(5, shipped=(2, 1))),
        ("return", _return("no_restock")),
    ],
}


class Harness:
    kind = "fake"
    signature_header = SIGNATURE
    unsupported: Mapping[str, str] = {}

    def __init__(self) -> None:
        self.connector: FakeConnector | None = None

    def build(self, http: httpx.AsyncClient, router: respx.MockRouter, sleep: Sleep) -> Connector:
        self.connector = FakeConnector("contract", SECRET, sleep=sleep)
        return self.connector

    def story(self, name: str) -> Iterator[Signed]:
        for step, (topic, document) in enumerate(STORIES[name]):
            body = json.dumps(document).encode()
            headers = {
                SIGNATURE: sign(body, SECRET),
                EVENT_ID: f"{name}-{step}",
                TOPIC: topic,
            }
            yield Signed(body, headers)

    def seed_orders(self, count: int) -> None:
        line = OrderLine(line_id="l-a", sku=SKU_A, quantity=1, current=1, fulfilled=0)
        self._store.orders += [
            OrderSnapshot(f"70{n:02d}", CREATED + timedelta(seconds=n), (line,))
            for n in range(count)
        ]

    def seed_listings(self, skus: list[str]) -> None:
        store = self._store
        for sku in skus:
            number = len(store.listed)
            listing = Listing(sku, f"listing-{number}", f"item-{number}")
            store.listed.append(listing)
            store.levels[listing.inventory_id] = 0

    def fail_item(self, sku: str) -> None:
        self._store.failing |= {item.inventory_id for item in self._store.listed if item.sku == sku}

    def throttle_next(self, retry_after: float) -> None:
        self._store.throttle_next(retry_after)

    def level(self, inventory_id: str) -> int:
        return self._store.levels[inventory_id]

    @property
    def write_calls(self) -> int:
        return len(self._store.pushes)

    @property
    def _store(self) -> FakeConnector:
        assert self.connector is not None, "build() comes first"
        return self.connector
