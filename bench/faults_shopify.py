"""The fake Shopify of bench/faults.py: connectors.shopify.testing over real HTTP, recording.

It adds to `ShopifyInventory` what the fault figures need to see from the channel's side:

- every item an `inventorySetQuantities` call applied (key, item, changeFromQuantity,
  quantity), to count planned changes applied more than once;
- a key reused with different input answers IDEMPOTENCY_KEY_PARAMETER_MISMATCH, as Shopify
  does, instead of the first answer (which would hide a push that was never applied);
- orders placed at the store take their units off `available` first, as Shopify does;
- a storm: a share of calls answered HTTP 429 with Retry-After, another share THROTTLED
  with the bucket drained. A call that arrives before a Retry-After has elapsed is counted
  (`early_calls`), and answered 429 again with the time that remains.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.shopify.documents import INVENTORY_SET_QUANTITIES
from connectors.shopify.testing import ShopifyInventory


@dataclass(frozen=True, slots=True)
class Applied:
    """One quantity an inventorySetQuantities call set."""

    at: float
    key: str
    item: str
    change_from: int | None
    quantity: int


@dataclass(frozen=True, slots=True)
class Storm:
    rate_limited_share: float = 0.2
    throttled_share: float = 0.2
    retry_after: tuple[float, float] = (1.0, 3.0)
    """Retry-After is drawn uniformly between these, in whole seconds as Shopify sends it."""


class RecordingShopify:
    """A thread-safe fake shop; `app` is its ASGI app for `syncbot.testing.serve_in_thread`."""

    def __init__(self, variants: list[tuple[str, str]], *, seed: int = 0) -> None:
        # A Basic plan's bucket: 1,000 points restored at 50 per second.
        self.inventory = ShopifyInventory(variants=list(variants))
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.applied: list[Applied] = []
        self.inputs: dict[str, str] = {}
        self.replays = 0
        self.mismatches = 0
        self.calls = 0
        self.storm: Storm | None = None
        self.blocked_until = 0.0
        self.early_calls = 0
        self.rate_limited = 0
        self.storm_throttled = 0
        self.app = Starlette(
            routes=[Route("/admin/api/{version}/graphql.json", self._graphql, methods=["POST"])]
        )

    def level(self, item: str) -> int:
        with self.lock:
            return self.inventory.levels.get(item, 0)

    def levels(self) -> dict[str, int]:
        with self.lock:
            return dict(self.inventory.levels)

    def place_order(self, lines: list[tuple[str, int]]) -> None:
        """A checkout: Shopify moves the units out of `available` before any webhook."""
        with self.lock:
            for item, quantity in lines:
                self.inventory.levels[item] = self.inventory.levels.get(item, 0) - quantity

    def throttled_early(self) -> int:
        """THROTTLED answers the bucket gave on its own: calls made before it had refilled."""
        with self.lock:
            return self.inventory.throttled - self.storm_throttled

    async def _graphql(self, request: Request) -> Response:
        if not request.headers.get("X-Shopify-Access-Token"):
            return Response('{"errors": "[API] Invalid API key or access token"}', 401)
        try:
            content = await request.body()
        except ClientDisconnect:  # syncbot was killed mid-request: nothing reached the shop
            return Response(status_code=499)
        with self.lock:
            answer = self._answer(content)
        return Response(answer.content, answer.status_code, dict(answer.headers))

    def _answer(self, content: bytes) -> httpx.Response:
        now = time.monotonic()
        self.calls += 1
        if now < self.blocked_until:
            self.early_calls += 1
            return _too_many(self.blocked_until - now)
        if self.storm is not None:
            draw = self.random.random()
            if draw < self.storm.rate_limited_share:
                wait = float(self.random.randint(*map(int, self.storm.retry_after)))
                self.blocked_until = now + wait
                self.rate_limited += 1
                return _too_many(wait)
            if draw < self.storm.rate_limited_share + self.storm.throttled_share:
                self._drain()
        payload = json.loads(content)
        if payload.get("query") == INVENTORY_SET_QUANTITIES:
            refused = self._check_key(payload.get("variables") or {})
            if refused is not None:
                return refused
        before = self.inventory.applied
        answer = self.inventory(httpx.Request("POST", "http://fake/graphql.json", content=content))
        if self.inventory.applied > before:
            self._record(now, payload["variables"])
        return answer

    def _drain(self) -> None:
        """Empties the bucket and answers THROTTLED, the way a busy shop does."""
        self.inventory._refill()  # bring the bucket's clock to now before emptying it
        self.inventory.available = 0.0
        self.inventory.throttle_next = 1
        self.storm_throttled += 1

    def _check_key(self, variables: dict[str, Any]) -> httpx.Response | None:
        key = str(variables.get("idempotencyKey"))
        given = {name: value for name, value in variables.items() if name != "idempotencyKey"}
        fingerprint = hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest()
        first = self.inputs.setdefault(key, fingerprint)
        if first != fingerprint:
            self.mismatches += 1
            error = {
                "message": "The idempotency key was already used with different parameters.",
                "extensions": {"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"},
            }
            return httpx.Response(200, json={"errors": [error]})
        if key in self.inventory.keys:
            self.replays += 1
        return None

    def _record(self, at: float, variables: dict[str, Any]) -> None:
        for quantity in variables["quantities"]:
            change_from = quantity.get("changeFromQuantity")
            self.applied.append(
                Applied(
                    at=at,
                    key=str(variables["idempotencyKey"]),
                    item=str(quantity["inventoryItemId"]),
                    change_from=None if change_from is None else int(change_from),
                    quantity=int(quantity["quantity"]),
                )
            )


def _too_many(wait: float) -> httpx.Response:
    # Shopify sends whole seconds ("2.0"); round up what remains so a client honouring it
    # never lands early because of the rounding.
    seconds = float(int(wait) + (wait > int(wait)))
    return httpx.Response(
        429,
        headers={"Retry-After": f"{seconds:.1f}"},
        json={"errors": "Exceeded 2 calls per second for api client. Reduce request rates."},
    )
