"""The fake BigCommerce store's REST API: each request answered from the store's state.

`BigCommerceStore` (connectors.bigcommerce.testing) keeps the state and the merchant's
side; this mixin answers the documented endpoints: V2 orders (204 for an empty page),
order products, V3 refunds, catalog variants with meta.pagination, inventory at a
location, and absolute adjustments. Every answer carries the X-Rate-Limit-* headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

WINDOW_MS = 30000
Handler = Callable[["StoreApi", httpx.Request, re.Match[str]], httpx.Response]


class StoreApi:
    """Answers the REST API from the store's state, which the store's dataclass declares."""

    store_hash: str
    access_token: str
    location_id: int
    orders: dict[int, dict[str, Any]]
    products: dict[int, list[dict[str, Any]]]
    refunds: dict[int, list[dict[str, Any]]]
    variants: list[dict[str, Any]]
    levels: dict[tuple[int, int], int]
    failing: set[int]
    throttled: list[int]
    fail_next: list[httpx.Response]
    quota: int
    left: int
    reset_ms: int
    write_calls: int
    adjustments: list[dict[str, Any]]
    requests: list[httpx.Request]

    if TYPE_CHECKING:  # provided by the store this answers for (testing.BigCommerceStore)

        @property
        def base_url(self) -> str:
            """The store's API URL."""
            ...

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.throttled:
            return self._answer(429, {"status": 429, "title": "Too many requests"}, left=0)
        if self.fail_next:
            return self.fail_next.pop(0)
        if request.headers.get("X-Auth-Token") != self.access_token:
            return self._answer(401, {"status": 401, "title": "Unauthorized"})
        path = request.url.path[len(httpx.URL(self.base_url).path) :]
        for method, pattern, handler in _ROUTES:
            if request.method == method and (match := re.fullmatch(pattern, path)):
                return handler(self, request, match)
        return self._answer(404, {"status": 404, "title": f"no route for {path}"})

    def _answer(
        self, status: int, body: object = None, *, left: int | None = None
    ) -> httpx.Response:
        if status == 429:
            reset = self.throttled.pop(0)
        else:
            # The window passes once the quota is spent: the client was told to wait.
            self.left = self.quota if self.left <= 0 else self.left - 1
            reset = self.reset_ms
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(WINDOW_MS),
            "X-Rate-Limit-Time-Reset-Ms": str(reset),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.left if left is None else left),
        }
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    def _store(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        store = {"id": self.store_hash, "domain": "fake.example.com", "name": "Fake store"}
        return self._answer(200, store | {"secure_url": "https://fake.example.com"})

    def _orders(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        params = request.url.params
        since = params.get("min_date_modified")
        found = sorted(
            (o for o in self.orders.values() if since is None or _at(o) >= _parse(since)),
            key=_at,
        )
        limit, page = _paging(request)
        chunk = found[(page - 1) * limit : page * limit]
        return self._answer(200, chunk) if chunk else self._answer(204)

    def _order(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        order = self.orders.get(int(match[1]))
        if order is None:
            return self._answer(
                404, {"status": 404, "title": "The requested resource was not found."}
            )
        return self._answer(200, order)

    def _order_products(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        limit, page = _paging(request)
        chunk = self.products.get(int(match[1]), [])[(page - 1) * limit : page * limit]
        return self._answer(200, chunk) if chunk else self._answer(204)

    def _refunds(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        return self._answer(200, {"data": self.refunds.get(int(match[1]), []), "meta": {}})

    def _variants(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        limit, page = _paging(request)
        chunk = self.variants[(page - 1) * limit : page * limit]
        if fields := request.url.params.get("include_fields"):  # id always, as BigCommerce
            wanted = {"id", *fields.split(",")}
            chunk = [{k: v for k, v in variant.items() if k in wanted} for variant in chunk]
        pages = max(1, -(-len(self.variants) // limit))
        pagination: dict[str, Any] = {"total": len(self.variants), "count": len(chunk)}
        pagination["per_page"] = limit
        pagination |= {"current_page": page, "total_pages": pages, "links": {}}
        return self._answer(200, {"data": chunk, "meta": {"pagination": pagination}})

    def _location_items(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        location = int(match[1])
        if location != self.location_id:
            return self._answer(404, {"status": 404, "title": "Location not found"})
        wanted = {int(v) for v in (request.url.params.get("variant_id:in") or "").split(",") if v}
        items = [
            {
                "identity": {"sku": v["sku"], "variant_id": v["id"], "product_id": v["product_id"]},
                "available_to_sell": self.levels.get((location, v["id"]), 0),
                "total_inventory_onhand": self.levels.get((location, v["id"]), 0),
                "settings": {"safety_stock": 0, "is_in_stock": True, "warning_level": 0},
            }
            for v in self.variants
            if not wanted or v["id"] in wanted
        ]
        return self._answer(200, {"data": items, "meta": {}})

    def _adjust(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        self.write_calls += 1
        body = json.loads(request.content)
        refused = [
            item["variant_id"] for item in body["items"] if item["variant_id"] in self.failing
        ]
        if refused:
            self.failing -= set(refused)
            title = ", ".join(
                f"Item with variant_id {variant_id} is tracked by product, please update stock "
                "by product id"
                for variant_id in refused
            )
            problem = {"status": 422, "title": f"[{title}]", "type": "about:blank", "errors": {}}
            return self._answer(422, problem)
        for item in body["items"]:
            self.levels[(item["location_id"], item["variant_id"])] = item["quantity"]
        self.adjustments.append(body)
        return self._answer(200, {"transaction_id": f"txn-{len(self.adjustments)}"})


_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/v2/store", StoreApi._store),
    ("GET", r"/v2/orders", StoreApi._orders),
    ("GET", r"/v2/orders/(\d+)", StoreApi._order),
    ("GET", r"/v2/orders/(\d+)/products", StoreApi._order_products),
    ("GET", r"/v3/orders/(\d+)/payment_actions/refunds", StoreApi._refunds),
    ("GET", r"/v3/catalog/variants", StoreApi._variants),
    ("GET", r"/v3/inventory/locations/(\d+)/items", StoreApi._location_items),
    ("PUT", r"/v3/inventory/adjustments/absolute", StoreApi._adjust),
]


def _paging(request: httpx.Request) -> tuple[int, int]:
    """limit (50 unless asked) and page (from 1), as V2 and V3 lists take them."""
    return int(request.url.params.get("limit", 50)), int(request.url.params.get("page", 1))


def _at(order: Mapping[str, Any]) -> datetime:
    return _parse(order["date_modified"])


def _parse(value: str) -> datetime:
    """RFC 2822 or ISO 8601, as min_date_modified accepts both."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(value)
