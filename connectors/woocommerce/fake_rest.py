"""The fake WooCommerce store's REST API: each request answered from the store's JSON.

`WooCommerceStore` (connectors.woocommerce.testing) keeps the state and the merchant's
side; this mixin answers requests to it as WooCommerce does: Basic auth or 401;
collections honour page, per_page (at most 100), include and, for orders, modified_after,
dates_are_gmt and orderby=modified, with X-WP-Total and X-WP-TotalPages; a batch of more
than 100 is 413, and an unknown id is an error for that item alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx

from connectors.woocommerce.api import API_PATH, MAX_PER_PAGE

Json = dict[str, Any]


class StoreApi:
    """Answers the REST API from the store's state, which the store's dataclass declares."""

    url: str
    consumer_key: str
    consumer_secret: str
    products: dict[int, Json]
    variations: dict[int, dict[int, Json]]
    orders: dict[int, Json]
    refunds: dict[int, list[Json]]
    failing: set[str]
    queued: list[httpx.Response | httpx.TransportError]
    write_calls: int
    requests: list[httpx.Request]

    if TYPE_CHECKING:  # provided by the store this answers for (testing.WooCommerceStore)

        def item(self, inventory_id: str) -> Json:
            """The product or variation behind an inventory id."""
            ...

        def _dates(self, created: bool = True) -> Json:
            """The store clock's date fields."""
            ...

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.queued:
            answer = self.queued.pop(0)
            if isinstance(answer, httpx.TransportError):
                raise answer
            return answer
        basic = httpx.BasicAuth(self.consumer_key, self.consumer_secret)
        wanted = next(basic.auth_flow(httpx.Request("GET", self.url))).headers["Authorization"]
        if request.headers.get("Authorization") != wanted:
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        base = httpx.URL(self.url).path.rstrip("/") + API_PATH
        parts = request.url.path.removeprefix(base).strip("/").split("/")
        query = {key: values[-1] for key, values in parse_qs(request.url.query.decode()).items()}
        if request.method == "POST" and parts[-1] == "batch":
            return self._batch(parts[:-1], json.loads(request.content))
        if request.method != "GET":
            return _error(404, "rest_no_route", "No route was found matching the URL")
        if parts == ["system_status"]:
            env = {"home_url": self.url, "version": "9.4.0", "wp_version": "6.7.1"}
            return httpx.Response(200, json={"environment": env})
        if parts == ["products"]:
            return _page(list(self.products.values()), query)
        if len(parts) == 3 and parts[0] == "products" and parts[2] == "variations":
            return _page(list(self.variations.get(int(parts[1]), {}).values()), query)
        if parts == ["orders"]:
            return _page(self._orders(query), query)
        if parts[0] == "orders" and len(parts) > 1 and int(parts[1]) in self.orders:
            if len(parts) == 2:
                return httpx.Response(200, json=self.orders[int(parts[1])])
            if parts[2:] == ["refunds"]:
                return _page(self.refunds[int(parts[1])], query)
        return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    def throttle_next(self, retry_after: float) -> None:
        self.queued.append(httpx.Response(429, headers={"Retry-After": f"{retry_after:g}"}))

    def _batch(self, collection: list[str], payload: Json) -> httpx.Response:
        updates = payload.get("update", [])
        if len(updates) > MAX_PER_PAGE:
            message = f"Unable to accept more than {MAX_PER_PAGE} items for this request."
            return _error(413, "woocommerce_rest_request_entity_too_large", message)
        self.write_calls += 1
        parent = f"{collection[1]}/" if len(collection) == 3 else ""
        answers = []
        for update in updates:
            inventory_id = f"{parent}{update['id']}"
            try:
                item = self.item(inventory_id)
            except KeyError:
                item = None
            if item is None or inventory_id in self.failing:
                self.failing.discard(inventory_id)
                code, message = "woocommerce_rest_product_invalid_id", "Invalid ID."
                answers.append(
                    {
                        "id": update["id"],
                        "error": {"code": code, "message": message, "data": {"status": 400}},
                    }
                )
                continue
            if item["manage_stock"] is True and "stock_quantity" in update:
                item["stock_quantity"] = update["stock_quantity"]
            item.update(self._dates(created=False))
            answers.append(item)
        return httpx.Response(200, json={"update": answers})

    def _orders(self, query: Mapping[str, str]) -> list[Json]:
        found = [o for o in self.orders.values() if o["status"] not in ("trash", "checkout-draft")]
        if "modified_after" in query:
            assert query.get("dates_are_gmt") == "true", "syncbot compares GMT dates"
            after = datetime.fromisoformat(query["modified_after"]).replace(tzinfo=UTC)
            found = [o for o in found if _gmt(o["date_modified_gmt"]) > after]
        key = "date_modified_gmt" if query.get("orderby") == "modified" else "date_created_gmt"
        return sorted(found, key=lambda o: (o[key], o["id"]), reverse=query.get("order") != "asc")


def _page(items: Sequence[Json], query: Mapping[str, str]) -> httpx.Response:
    per_page, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
    if not 1 <= per_page <= MAX_PER_PAGE:
        return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
    if "include" in query:
        wanted = {int(i) for i in query["include"].split(",") if i}
        items = [item for item in items if item["id"] in wanted]
    pages = max(1, -(-len(items) // per_page))
    chosen = items[(page - 1) * per_page : page * per_page]
    headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
    return httpx.Response(200, json=chosen, headers=headers)


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": {"status": status}}
    )


def _gmt(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
