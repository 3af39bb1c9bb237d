"""A stateful fake BigCommerce store behind respx, for tests and demos.

`BigCommerceStore.mount(router)` answers every request under the store's API URL the way
the documented endpoints do: V2 orders (204 for an empty page), order products, V3
refunds, catalog variants with meta.pagination, inventory at a location, and absolute
adjustments. Every answer carries the X-Rate-Limit-* headers. It can refuse one item's
next write with the documented 422, throttle the next requests with a 429, and produce
webhook deliveries in BigCommerce's shape, signed the Standard Webhooks way.

One difference from BigCommerce: adjustments apply at once, where BigCommerce applies them
asynchronously (the connector acknowledges on acceptance either way).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import respx

from connectors.bigcommerce.connector import MESSAGE_ID, SIGNATURE, TIMESTAMP, sign

STATUS_NAMES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    14: "Partially Refunded",
}
WINDOW_MS = 30000
Handler = Callable[["BigCommerceStore", httpx.Request, re.Match[str]], httpx.Response]


@dataclass
class BigCommerceStore:
    store_hash: str = "fakestore"
    access_token: str = "dummy-access-token"  # a dummy for tests
    client_secret: str = "dummy-client-secret"  # a dummy for tests
    location_id: int = 1
    webhook_header: tuple[str, str] | None = None
    clock: Callable[[], float] = time.time
    """The time deliveries are signed at (Unix seconds)."""
    api_base_url: str | None = None
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    variants: list[dict[str, Any]] = field(default_factory=list)
    levels: dict[tuple[int, int], int] = field(default_factory=dict)
    """total_inventory_onhand by (location id, variant id)."""
    failing: set[int] = field(default_factory=set)
    """Variant ids whose next write is refused with the documented 422, once each."""
    throttled: list[int] = field(default_factory=list)
    """Time-Reset-Ms of the 429s the next requests get, one per request."""
    fail_next: list[httpx.Response] = field(default_factory=list)
    quota: int = 150
    left: int = 150
    reset_ms: int = 15000
    write_calls: int = 0
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))

    @property
    def base_url(self) -> str:
        default = f"https://api.bigcommerce.com/stores/{self.store_hash}"
        return (self.api_base_url or default).rstrip("/")

    def mount(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=self.base_url + "/").mock(side_effect=self)

    # --- the merchant's side -------------------------------------------------------------

    def add_order(
        self, order_id: int, lines: Sequence[tuple[str, int]], modified: datetime, status: int = 11
    ) -> None:
        """An order of (SKU, quantity) lines, each with its own order product id."""
        self.orders[order_id] = {"id": order_id, "date_created": _rfc(modified)}
        self.products[order_id] = [
            {
                "id": next(self._ids),
                "order_id": order_id,
                "product_id": 77,
                "variant_id": 0,
                "name": sku,
                "sku": sku,
                "type": "physical",
                "quantity": quantity,
                "quantity_shipped": 0,
                "quantity_refunded": 0,
                "is_refunded": False,
                "refund_amount": "0.0000",
                "return_id": 0,
            }
            for sku, quantity in lines
        ]
        self.update_order(order_id, modified, status=status)

    def update_order(
        self,
        order_id: int,
        modified: datetime,
        *,
        status: int | None = None,
        shipped: Mapping[str, int] | None = None,
    ) -> None:
        """Moves the order's status and adds shipped units by SKU."""
        order = self.orders[order_id]
        for product in self.products[order_id]:
            product["quantity_shipped"] += (shipped or {}).get(product["sku"], 0)
        if status is not None:
            order.update(status_id=status, status=STATUS_NAMES.get(status, "Pending"))
        products = self.products[order_id]
        order.update(
            date_modified=_rfc(modified),
            items_total=sum(product["quantity"] for product in products),
            items_shipped=sum(product["quantity_shipped"] for product in products),
            is_deleted=False,
            products={"url": f"{self.base_url}/v2/orders/{order_id}/products", "resource": ""},
        )

    def refund(
        self, order_id: int, refund_id: int, units: Mapping[str, int], modified: datetime
    ) -> None:
        """A refund of units by SKU, as the control panel's Refund action records it."""
        items = []
        for product in self.products[order_id]:
            if quantity := units.get(product["sku"], 0):
                product["quantity_refunded"] += quantity
                product["is_refunded"] = True
                item = {"item_type": "PRODUCT", "item_id": product["id"], "quantity": quantity}
                items.append({**item, "reason": "Customer request", "requested_amount": "10.00"})
        created = modified.astimezone(UTC).isoformat()
        payment = {"id": refund_id, "provider_id": "storecredit", "amount": 10, "offline": True}
        self.refunds.setdefault(order_id, []).append(
            {"id": refund_id, "order_id": order_id, "created": created, "items": items}
            | {"reason": "", "total_amount": 10, "total_tax": 0, "payments": [payment]}
        )
        everything = all(p["quantity_refunded"] >= p["quantity"] for p in self.products[order_id])
        self.update_order(order_id, modified, status=4 if everything else 14)

    def add_variant(self, sku: str | None, product_id: int | None = None) -> int:
        variant_id = next(self._ids)
        self.variants.append(
            {"id": variant_id, "product_id": product_id or variant_id + 10000, "sku": sku or ""}
            | {"sku_id": None, "option_values": [], "inventory_level": 0}
        )
        return variant_id

    def level(self, variant_id: int | str) -> int:
        return self.levels.get((self.location_id, int(variant_id)), 0)

    def delivery(
        self, scope: str, order_id: int, *, refund_id: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook as BigCommerce POSTs it: the documented payload, signed headers."""
        now = int(self.clock())
        data: dict[str, Any] = {"type": "order", "id": order_id}
        if refund_id is not None:
            data["refund"] = {"refund_id": refund_id}
        payload: dict[str, Any] = {"scope": scope, "store_id": "1025646", "data": data}
        payload |= {"created_at": now, "producer": f"stores/{self.store_hash}"}
        payload["hash"] = hashlib.sha1(json.dumps(payload).encode()).hexdigest()
        body = json.dumps(payload).encode()
        message_id = f"msg_{hashlib.sha1(body).hexdigest()[:20]}"
        headers = {"Content-Type": "application/json", MESSAGE_ID: message_id}
        headers[TIMESTAMP] = str(now)
        headers[SIGNATURE] = sign(self.client_secret, message_id, str(now), body)
        if self.webhook_header is not None:
            headers[self.webhook_header[0]] = self.webhook_header[1]
        return body, headers

    # --- the API's side ------------------------------------------------------------------

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
    ("GET", r"/v2/store", BigCommerceStore._store),
    ("GET", r"/v2/orders", BigCommerceStore._orders),
    ("GET", r"/v2/orders/(\d+)", BigCommerceStore._order),
    ("GET", r"/v2/orders/(\d+)/products", BigCommerceStore._order_products),
    ("GET", r"/v3/orders/(\d+)/payment_actions/refunds", BigCommerceStore._refunds),
    ("GET", r"/v3/catalog/variants", BigCommerceStore._variants),
    ("GET", r"/v3/inventory/locations/(\d+)/items", BigCommerceStore._location_items),
    ("PUT", r"/v3/inventory/adjustments/absolute", BigCommerceStore._adjust),
]


def _paging(request: httpx.Request) -> tuple[int, int]:
    """limit (50 unless asked) and page (from 1), as V2 and V3 lists take them."""
    return int(request.url.params.get("limit", 50)), int(request.url.params.get("page", 1))


def _rfc(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC))


def _at(order: Mapping[str, Any]) -> datetime:
    return _parse(order["date_modified"])


def _parse(value: str) -> datetime:
    """RFC 2822 or ISO 8601, as min_date_modified accepts both."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(value)
