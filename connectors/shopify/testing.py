"""A stateful fake of Shopify's inventory API, for tests, demos and benchmarks.

`ShopifyInventory` is a handler of httpx requests: mount it with respx
(`router.post(url).mock(side_effect=inventory)`), or serve it over real HTTP with
`serve(inventory)` for a `syncbot serve` process to push to.

It answers the documents the connector sends (Shop, ProductVariants, InventoryLevels,
InventorySetQuantities, OrdersUpdatedSince and Order from the order nodes it is given, and
the bulk read, run by fake_bulk.py, whose JSONL GET a respx mount must route too) the way
Shopify documents them: a user error refuses the whole call and applies nothing, and a
quantity beyond GraphQL's 32-bit `Int` fails it whole (fake_refusals.py); a stale
`changeFromQuantity` is CHANGE_FROM_QUANTITY_STALE naming the item; the same idempotency
key answers its first result again without applying twice. Every answer carries
`extensions.cost` from a leaky bucket; a call the bucket cannot afford is THROTTLED. The
bucket's clock is the test's, so nothing really waits.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from connectors.shopify.bulk import BULK_OPERATION, BULK_OPERATION_RUN_QUERY, POLL_COST, RUN_COST
from connectors.shopify.documents import (
    INVENTORY_LEVELS,
    INVENTORY_SET_QUANTITIES,
    ORDERS_UPDATED_SINCE,
    PRODUCT_VARIANTS,
    SHOP,
    WORST_CASE_COST,
)
from connectors.shopify.fake_bulk import BULK_RESULTS, ShopifyBulkOperations, levels_jsonl
from connectors.shopify.fake_refusals import invalid_variable, user_error
from connectors.shopify.orders import ORDER, ORDER_COST
from connectors.testing import serve_in_thread

SET_COST = 12
LEVEL_COST_PER_ITEM = 3
VARIANTS_COST = 752
SHOP_COST = 3
ORDERS_COST = WORST_CASE_COST[ORDERS_UPDATED_SINCE]
PAGE = 250
_UPDATED_SINCE = re.compile(r"updated_at:>='([^']+)'")


@dataclass
class ShopifyInventory:
    clock: Callable[[], float] = time.monotonic
    levels: dict[str, int] = field(default_factory=dict)
    """`available` by inventory item gid, at the one location syncbot pushes to."""
    variants: list[tuple[str, str]] = field(default_factory=list)
    """(SKU, inventory item gid) of each variant, for listing discovery; SKUs may repeat."""
    bundles: set[str] = field(default_factory=set)
    """Item gids of bundle products' parent variants (`requiresComponents`): Shopify derives
    their level from the components and refuses a write to one (NON_MUTABLE_INVENTORY_ITEM),
    which, like any user error of the mutation, applies nothing of the call."""
    orders: list[dict[str, Any]] = field(default_factory=list)
    """Order nodes as ORDERS_UPDATED_SINCE and ORDER select them (gids, camelCase, UTC)."""
    unknown: set[str] = field(default_factory=set)
    """Item gids Shopify does not know: a per-item user error."""
    refuse_next: set[str] = field(default_factory=set)
    """Item gids whose next write is refused (ITEM_NOT_STOCKED_AT_LOCATION), once each."""
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
    spent: float = 0.0
    """Points spent by the calls answered (not THROTTLED)."""
    bulk: ShopifyBulkOperations = field(default_factory=ShopifyBulkOperations)
    _at: float | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail_next:
            return self.fail_next.pop(0)
        if request.method == "GET" and request.url.path.startswith(BULK_RESULTS):
            return self.bulk.result(request.url.path)
        payload = json.loads(request.content)
        document, variables = payload["query"], payload.get("variables") or {}
        costs = {
            INVENTORY_SET_QUANTITIES: SET_COST,
            PRODUCT_VARIANTS: VARIANTS_COST,
            ORDERS_UPDATED_SINCE: ORDERS_COST,
            ORDER: ORDER_COST,
            BULK_OPERATION_RUN_QUERY: RUN_COST,
            BULK_OPERATION: POLL_COST,
        }
        cost = costs.get(document, SHOP_COST)
        if document == INVENTORY_LEVELS:
            cost = LEVEL_COST_PER_ITEM * len(variables["inventoryItemIds"])
        self._refill()
        if self.throttle_next or self.available < cost:
            self.throttle_next = max(0, self.throttle_next - 1)
            self.throttled += 1
            return self._answer(None, cost, throttled=True)
        self.available -= cost
        self.spent += cost
        if document == INVENTORY_LEVELS:
            return self._answer(self._levels(variables), cost)
        if document == PRODUCT_VARIANTS:
            return self._answer(self._variants(variables.get("after")), cost)
        if document == ORDERS_UPDATED_SINCE:
            return self._answer(self._orders_page(variables), cost)
        if document == ORDER:
            found = (node for node in self.orders if node["id"] == variables["id"])
            return self._answer({"order": next(found, None)}, cost)
        if document == BULK_OPERATION_RUN_QUERY:
            return self._answer(
                self.bulk.start(request.url, variables["query"], self.clock()), cost
            )
        if document == BULK_OPERATION:
            polled = self.bulk.poll(variables["id"], self.clock(), self._export)
            return self._answer(polled, cost)
        if document == SHOP:
            shop = {"name": "Fake store", "myshopifyDomain": "fake.myshopify.com"}
            scopes = [{"handle": "read_orders"}, {"handle": "read_products"}]
            scopes += [{"handle": "write_inventory"}, {"handle": "read_returns"}]
            installation = {"accessScopes": scopes}
            return self._answer({"shop": shop, "currentAppInstallation": installation}, cost)
        if document == INVENTORY_SET_QUANTITIES:
            if refused := invalid_variable(variables):
                self.set_calls.append(variables)
                return httpx.Response(200, json={"errors": [refused]})
            data = self._set(variables)
            if self.lose_answers:
                self.lose_answers -= 1
                raise httpx.ReadError("connection reset after the mutation applied")
            return self._answer(data, cost)
        raise AssertionError(f"unexpected document: {document[:60]}")

    def rate_limit_next(self, retry_after: float) -> None:
        """The next request answers HTTP 429 with Retry-After, as Shopify's REST limit does."""
        headers = {"Retry-After": str(float(retry_after))}
        too_many = httpx.Response(429, headers=headers, json={"errors": "Exceeded 2 calls"})
        self.fail_next.append(too_many)

    def _orders_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        """Orders updated at or after the query's time, oldest change first, `first` a page."""
        query = variables["query"]
        since = _UPDATED_SINCE.fullmatch(query)
        if query and since is None:
            raise AssertionError(f"unexpected orders query: {query!r}")
        newer = sorted(
            (
                node
                for node in self.orders
                if since is None or _time(node["updatedAt"]) >= _time(since[1])
            ),
            key=lambda node: _time(node["updatedAt"]),
        )
        start, first = int(variables.get("after") or 0), variables["first"]
        page = newer[start : start + first]
        end = str(start + len(page)) if page else None  # Shopify: null only for no nodes
        info = {"hasNextPage": start + first < len(newer), "endCursor": end}
        return {"orders": {"pageInfo": info, "nodes": page}}

    def _levels(self, variables: dict[str, Any]) -> dict[str, Any]:
        nodes: list[dict[str, Any] | None] = []
        for gid in variables["inventoryItemIds"]:
            if gid in self.unknown:
                nodes.append(None)
                continue
            quantities = [{"name": "available", "quantity": self.levels.get(gid, 0)}]
            level = {"id": f"{gid}-level", "quantities": quantities}
            nodes.append({"id": gid, "inventoryLevel": level})
        return {"nodes": nodes}

    def _export(self) -> bytes:
        """The bulk read's JSONL: every inventory item the shop knows, with its level here."""
        items = dict.fromkeys([item for _, item in self.variants] + list(self.levels))
        known = [gid for gid in items if gid not in self.unknown]
        return levels_jsonl({gid: self.levels.get(gid, 0) for gid in known})

    def _variants(self, after: str | None) -> dict[str, Any]:
        start = int(after or 0)
        page = self.variants[start : start + PAGE]
        nodes = [
            {
                "id": item.replace("InventoryItem", "ProductVariant"),
                "sku": sku,
                "title": "Default Title",
                "requiresComponents": item in self.bundles,
                "inventoryItem": {"id": item, "tracked": True},
                "product": {"title": sku},
            }
            for sku, item in page
        ]
        more = start + PAGE < len(self.variants)
        info = {"hasNextPage": more, "endCursor": str(start + PAGE)}
        return {"productVariants": {"pageInfo": info, "nodes": nodes}}

    def _set(self, variables: dict[str, Any]) -> dict[str, Any]:
        key = variables["idempotencyKey"]
        self.set_calls.append(variables)
        if key in self.keys:
            return self.keys[key]
        errors = []
        for index, quantity in enumerate(variables["quantities"]):
            gid = quantity["inventoryItemId"]
            if gid in self.unknown:
                errors.append(user_error("INVALID_INVENTORY_ITEM", index, "inventoryItemId"))
            elif gid in self.bundles:
                errors.append(user_error("NON_MUTABLE_INVENTORY_ITEM", index, "inventoryItemId"))
            elif gid in self.refuse_next:
                self.refuse_next.discard(gid)
                errors.append(user_error("ITEM_NOT_STOCKED_AT_LOCATION", index, "locationId"))
            elif quantity["changeFromQuantity"] != self.levels.get(gid, 0):
                errors.append(user_error("CHANGE_FROM_QUANTITY_STALE", index, "changeFromQuantity"))
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


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def asgi(inventory: Callable[[httpx.Request], httpx.Response]) -> Any:
    """The handler (a `ShopifyInventory`, or one that watches it) as an ASGI app answering
    `POST /admin/api/{version}/graphql.json`."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    lock = threading.Lock()

    async def graphql(request: Request) -> Response:
        if not request.headers.get("X-Shopify-Access-Token"):
            return Response('{"errors": "[API] Invalid API key or access token"}', 401)
        outgoing = httpx.Request("POST", str(request.url), content=await request.body())
        with lock:  # the bench reads levels from another thread
            answer = inventory(outgoing)
        return Response(answer.content, answer.status_code, dict(answer.headers))

    async def bulk_result(request: Request) -> Response:
        with lock:
            answer = inventory(httpx.Request("GET", str(request.url)))
        return Response(answer.content, answer.status_code, media_type="application/jsonl")

    return Starlette(
        routes=[
            Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
            Route(BULK_RESULTS + "{name}", bulk_result, methods=["GET"]),
        ]
    )


@contextmanager
def serve(inventory: ShopifyInventory) -> Iterator[str]:
    """Serves the fake on a free 127.0.0.1 port in a thread; yields its base URL."""
    with serve_in_thread(asgi(inventory), "fake Shopify") as url:
        yield url
