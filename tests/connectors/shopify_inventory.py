"""A stateful Shopify inventory for respx: levels, compare-and-set, @idempotent keys, cost.

It answers the two documents the sync sends (InventoryLevels, InventorySetQuantities) the
way Shopify documents them: a user error refuses the whole call and applies nothing; a
stale `changeFromQuantity` is CHANGE_FROM_QUANTITY_STALE naming the item; the same
idempotency key answers its first result again without applying twice. Every answer
carries `extensions.cost` from a leaky bucket; a call the bucket cannot afford is
THROTTLED. The bucket's clock is the test's, so nothing really waits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.shopify.documents import INVENTORY_LEVELS, INVENTORY_SET_QUANTITIES

SET_COST = 12
LEVEL_COST_PER_ITEM = 3


@dataclass
class ShopifyInventory:
    clock: Callable[[], float]
    levels: dict[str, int] = field(default_factory=dict)
    """`available` by inventory item gid, at the one location syncbot pushes to."""
    unknown: set[str] = field(default_factory=set)
    """Item gids Shopify does not know: a per-item user error."""
    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    throttle_next: int = 0
    """Answer THROTTLED this many times, whatever the bucket holds (a storm)."""
    fail_next: list[httpx.Response] = field(default_factory=list)
    lose_answers: int = 0
    """Apply, then fail the connection before the answer: the client never learns it."""
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    set_calls: list[dict[str, Any]] = field(default_factory=list)
    applied: int = 0
    throttled: int = 0
    _at: float | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail_next:
            return self.fail_next.pop(0)
        payload = json.loads(request.content)
        document, variables = payload["query"], payload.get("variables") or {}
        cost = (
            SET_COST
            if document == INVENTORY_SET_QUANTITIES
            else LEVEL_COST_PER_ITEM * len(variables.get("inventoryItemIds", []))
        )
        self._refill()
        if self.throttle_next or self.available < cost:
            self.throttle_next = max(0, self.throttle_next - 1)
            self.throttled += 1
            return self._answer(None, cost, throttled=True)
        self.available -= cost
        if document == INVENTORY_LEVELS:
            return self._answer(self._levels(variables), cost)
        if document == INVENTORY_SET_QUANTITIES:
            data = self._set(variables)
            if self.lose_answers:
                self.lose_answers -= 1
                raise httpx.ReadError("connection reset after the mutation applied")
            return self._answer(data, cost)
        raise AssertionError(f"unexpected document: {document[:60]}")

    def _levels(self, variables: dict[str, Any]) -> dict[str, Any]:
        nodes = []
        for gid in variables["inventoryItemIds"]:
            if gid in self.unknown:
                nodes.append(None)
                continue
            quantities = [{"name": "available", "quantity": self.levels.get(gid, 0)}]
            level = {"id": f"{gid}-level", "quantities": quantities}
            nodes.append({"id": gid, "inventoryLevel": level})
        return {"nodes": nodes}

    def _set(self, variables: dict[str, Any]) -> dict[str, Any]:
        key = variables["idempotencyKey"]
        self.set_calls.append(variables)
        if key in self.keys:
            return self.keys[key]
        errors = []
        for index, quantity in enumerate(variables["quantities"]):
            gid = quantity["inventoryItemId"]
            if gid in self.unknown:
                errors.append(_error("INVALID_INVENTORY_ITEM", index, "inventoryItemId"))
            elif quantity["changeFromQuantity"] != self.levels.get(gid, 0):
                errors.append(_error("CHANGE_FROM_QUANTITY_STALE", index, "changeFromQuantity"))
        if not errors:
            for quantity in variables["quantities"]:
                self.levels[quantity["inventoryItemId"]] = quantity["quantity"]
                self.applied += 1
        group = (
            None if errors else {"id": f"gid://shopify/InventoryAdjustmentGroup/{len(self.keys)}"}
        )
        data = {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": errors}}
        self.keys[key] = data
        return data

    def _refill(self) -> None:
        now = self.clock()
        if self._at is not None:
            self.available = min(
                self.maximum, self.available + (now - self._at) * self.restore_rate
            )
        self._at = now

    def _answer(
        self, data: dict[str, Any] | None, cost: int, throttled: bool = False
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "extensions": {
                "cost": {
                    "requestedQueryCost": cost,
                    "actualQueryCost": None if throttled else cost,
                    "throttleStatus": {
                        "maximumAvailable": self.maximum,
                        "currentlyAvailable": self.available,
                        "restoreRate": self.restore_rate,
                    },
                }
            }
        }
        if throttled:
            body["errors"] = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
        else:
            body["data"] = data
        return httpx.Response(200, json=body)


def _error(code: str, index: int, name: str) -> dict[str, Any]:
    messages = {
        "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
        "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity value does not match.",
    }
    return {
        "code": code,
        "field": ["input", "quantities", str(index), name],
        "message": messages[code],
    }
