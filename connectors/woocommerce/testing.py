"""A stateful fake WooCommerce store for tests and demos, answering REST API v3 through respx.

`store.mount(router)` answers every request under `<url>/wp-json/wc/v3/` on a respx
router, as fake_rest.py describes. Products, variations, orders and refunds are kept as
the JSON the API documents, with the store clock one second further on every change.
Tests can fail one item's next write, answer 429 with Retry-After, or queue any response;
`write_calls` counts the batch calls. `webhook()` signs an order's delivery as WooCommerce
does (wp_json_encode escapes "/"), and `ping()` is its unsigned ping. `asgi(store)` and
`serve(store)` answer the same API over real HTTP, for a `syncbot` process (the demo) to call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import httpx

from connectors.testing import serve_in_thread
from connectors.woocommerce.api import API_PATH
from connectors.woocommerce.connector import sign
from connectors.woocommerce.fake_rest import StoreApi

if TYPE_CHECKING:  # respx is for tests (the `test` extra); the demo serves the store instead
    import respx

Json = dict[str, Any]
SITE_ZONE = timezone(timedelta(hours=-3))  # local dates differ from *_gmt, as on real stores
USER_AGENT = "WooCommerce/9.4.0 Hookshot (WordPress/6.7.1)"


@dataclass(frozen=True)
class Webhook:
    """One delivery exactly as WooCommerce sends it."""

    body: bytes
    headers: Mapping[str, str]


@dataclass
class WooCommerceStore(StoreApi):
    url: str = "https://shop.example.com"
    consumer_key: str = "ck_dummy_0000000000000000000000000000000000"  # dummy for tests
    consumer_secret: str = "cs_dummy_0000000000000000000000000000000000"  # dummy for tests
    webhook_secret: str = "dummy-webhook-secret"  # dummy for tests
    now: datetime = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    products: dict[int, Json] = field(default_factory=dict)
    variations: dict[int, dict[int, Json]] = field(default_factory=dict)
    orders: dict[int, Json] = field(default_factory=dict)
    refunds: dict[int, list[Json]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    """Inventory ids ("12" or "12/34") whose next write is refused, alone."""
    queued: list[httpx.Response | httpx.TransportError] = field(default_factory=list)
    """Responses answered (or network errors raised), in turn, before the store looks."""
    write_calls: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    _next_id: int = 100
    _trashed_from: dict[int, str] = field(default_factory=dict)

    def mount(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=f"{self.url}{API_PATH}/").mock(side_effect=self)

    # --- the merchant's side ----------------------------------------------------------

    def add_product(
        self,
        sku: str,
        stock: int | None = 0,
        *,
        manage_stock: bool = True,
        global_unique_id: str = "",
    ) -> str:
        product_id = self._id()
        self.products[product_id] = {
            **self._dates(),
            "id": product_id,
            "name": sku,
            "type": "simple",
            "status": "publish",
            "sku": sku,
            "global_unique_id": global_unique_id,  # GTIN, UPC, EAN or ISBN; "" when none
            "price": "10.00",
            "manage_stock": manage_stock,
            "stock_quantity": stock if manage_stock else None,
            "stock_status": "instock",
            "parent_id": 0,
            "variations": [],
        }
        return str(product_id)

    def add_variable(
        self, skus: Sequence[str], stock: int = 0, *, global_unique_ids: Sequence[str] = ()
    ) -> list[str]:
        """A variable product (no stock of its own) with one variation per SKU, each with
        its `global_unique_ids` entry, if given."""
        parent = self.add_product("", manage_stock=False)
        product = self.products[int(parent)]
        product["type"] = "variable"
        variations = self.variations.setdefault(int(parent), {})
        codes = [*global_unique_ids, *[""] * len(skus)]
        for index, sku in enumerate(skus):
            variation_id = self._id()
            variations[variation_id] = {
                **self._dates(),
                "id": variation_id,
                "sku": sku,
                "global_unique_id": codes[index],
                "price": "10.00",
                "manage_stock": True,
                "stock_quantity": stock,
                "stock_status": "instock",
                "attributes": [{"id": 0, "name": "Size", "option": sku}],
            }
            product["variations"].append(variation_id)
        return [f"{parent}/{variation}" for variation in variations]

    def item(self, inventory_id: str) -> Json:
        """The product ("12") or variation ("12/34") behind an inventory id, to change it."""
        parent, _, child = inventory_id.partition("/")
        return self.variations[int(parent)][int(child)] if child else self.products[int(parent)]

    def level(self, inventory_id: str) -> int | None:
        quantity: int | None = self.item(inventory_id)["stock_quantity"]
        return quantity

    def place_order(self, lines: Mapping[str, int], status: str = "processing") -> int:
        """An order of `quantity` units per SKU, paid (stock reduced) unless pending."""
        self.now += timedelta(seconds=1)
        order_id = self._id()
        self.orders[order_id] = order = {
            "id": order_id,
            "parent_id": 0,
            "number": str(order_id),
            "order_key": f"wc_order_{order_id}",
            "created_via": "checkout",
            "version": "9.4.0",
            "status": status,
            "currency": "USD",
            **self._dates(),
            "total": f"{10 * sum(lines.values())}.00",
            "customer_id": 0,
            "payment_method": "bacs",
            "payment_method_title": "Direct bank transfer",
            "date_paid": None,
            "date_paid_gmt": None,
            "date_completed": None,
            "date_completed_gmt": None,
            "meta_data": [],
            "line_items": [self._line(sku, quantity) for sku, quantity in lines.items()],
            "tax_lines": [],
            "shipping_lines": [],
            "fee_lines": [],
            "coupon_lines": [],
            "refunds": [],
            "_links": {"self": [{"href": f"{self.url}{API_PATH}/orders/{order_id}"}]},
        }
        self.refunds[order_id] = []
        if status != "pending":
            for line in order["line_items"]:
                self._restock(line, -line["quantity"])
                _set_meta(line, "_reduced_stock", line["quantity"])
        return order_id

    def set_status(self, order_id: int, status: str) -> None:
        order = self._touch(order_id)
        if status == "completed" and not order["date_completed_gmt"]:
            order["date_completed"], order["date_completed_gmt"] = _stamps(self.now)
        if status == "cancelled":  # WooCommerce puts back what the order had taken
            for line in order["line_items"]:
                self._restock(line, int(_meta(line, "_reduced_stock") or 0))
                _set_meta(line, "_reduced_stock", 0)
        order["status"] = status

    def trash(self, order_id: int) -> None:
        self._trashed_from[order_id] = self.orders[order_id]["status"]
        self.set_status(order_id, "trash")

    def restore(self, order_id: int) -> None:
        self.set_status(order_id, self._trashed_from.pop(order_id))

    def refund(self, order_id: int, units: Mapping[str, int], *, restock: bool) -> int:
        """Refunds units by SKU, restocking them if asked (the admin's checkbox, api_restock)."""
        self.now += timedelta(seconds=1)
        order, refund_id = self.orders[order_id], self._id()
        lines = [line for line in order["line_items"] if line["sku"] in units]
        refunded = [
            {
                **self._line(line["sku"], -units[line["sku"]]),
                "meta_data": [
                    {"id": self._id(), "key": "_refunded_item_id", "value": str(line["id"])}
                ],
            }
            for line in lines
        ]
        total = f"{10 * sum(units.values())}.00"
        self.refunds[order_id].insert(
            0,
            {
                "id": refund_id,
                "date_created": _stamps(self.now)[0],
                "date_created_gmt": _stamps(self.now)[1],
                "amount": total,
                "reason": "",
                "refunded_by": 1,
                "refunded_payment": False,
                "meta_data": [],
                "line_items": refunded,
            },
        )
        order["refunds"].insert(0, {"id": refund_id, "reason": "", "total": f"-{total}"})
        for line in lines if restock else ():  # as wc_restock_refunded_items records it
            back, reduced = units[line["sku"]], int(_meta(line, "_reduced_stock") or 0)
            self._restock(line, back)
            _set_meta(line, "_reduced_stock", reduced - back)
            before = int(_meta(line, "_restock_refunded_items") or 0)
            _set_meta(line, "_restock_refunded_items", before + back)
        every = sum(-item["quantity"] for r in self.refunds[order_id] for item in r["line_items"])
        if every >= sum(line["quantity"] for line in order["line_items"]):
            order["status"] = "refunded"
        self._touch(order_id)
        return refund_id

    def webhook(self, topic: str, order_id: int) -> Webhook:
        resource, _, event = topic.partition(".")
        payload = {"id": order_id} if event == "deleted" else self.orders[order_id]
        body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-WC-Webhook-Source": f"{self.url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign(body, self.webhook_secret),
            "X-WC-Webhook-ID": "7",
            "X-WC-Webhook-Delivery-ID": hashlib.sha256(f"7/{self._id()}".encode()).hexdigest()[:32],
        }
        return Webhook(body, headers)

    def ping(self, webhook_id: int = 7) -> Webhook:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        return Webhook(f"webhook_id={webhook_id}".encode(), headers)

    def _line(self, sku: str, quantity: int) -> Json:
        found = [(pid, 0) for pid, p in self.products.items() if p["sku"] == sku] + [
            (pid, vid)
            for pid, vs in self.variations.items()
            for vid, v in vs.items()
            if v["sku"] == sku
        ]
        product_id, variation_id = found[0] if found else (0, 0)
        total = f"{10 * quantity:.2f}"
        return {
            "id": self._id(),
            "name": sku,
            "product_id": product_id,
            "variation_id": variation_id,
            "quantity": quantity,
            "tax_class": "",
            "subtotal": total,
            "subtotal_tax": "0.00",
            "total": total,
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
            "sku": sku,
            "price": 10.0 if quantity > 0 else -10.0,
        }

    def _restock(self, line: Json, units: int) -> None:
        key = (
            f"{line['product_id']}/{line['variation_id']}"
            if line["variation_id"]
            else str(line["product_id"])
        )
        if line["product_id"] and self.item(key)["manage_stock"] is True:
            self.item(key)["stock_quantity"] += units

    def _touch(self, order_id: int) -> Json:
        self.now += timedelta(seconds=1)
        order = self.orders[order_id]
        order.update(self._dates(created=False))
        return order

    def _dates(self, created: bool = True) -> Json:
        local, gmt = _stamps(self.now)
        dates = {"date_modified": local, "date_modified_gmt": gmt}
        return {"date_created": local, "date_created_gmt": gmt, **dates} if created else dates

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id


def _stamps(moment: datetime) -> tuple[str, str]:
    """(site time, GMT) as the API writes them: ISO 8601 without a zone."""
    form = "%Y-%m-%dT%H:%M:%S"
    return moment.astimezone(SITE_ZONE).strftime(form), moment.astimezone(UTC).strftime(form)


def _meta(line: Json, key: str) -> Any:
    return next((m["value"] for m in line["meta_data"] if m["key"] == key), None)


def _set_meta(line: Json, key: str, value: int) -> None:
    entry = next((m for m in line["meta_data"] if m["key"] == key), None)
    if entry is None:
        entry = {"id": 9000 + len(line["meta_data"]), "key": key}
        line["meta_data"].append(entry)
    entry.update(value=str(value), display_key=key, display_value=str(value))


def asgi(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    """The store (or any handler of its requests) as an ASGI app answering every method
    under `/wp-json/wc/v3/`, as WordPress routes the REST API."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def rest(request: Request) -> Response:
        outgoing = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=await request.body(),
        )
        answer = handler(outgoing)
        return Response(answer.content, answer.status_code, dict(answer.headers))

    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(routes=[Route(API_PATH + "/{path:path}", rest, methods=methods)])


@contextmanager
def serve(store: WooCommerceStore) -> Iterator[str]:
    """Serves the store on a free 127.0.0.1 port in a thread; yields its base URL, which
    becomes the store's `url` (the channel's `url`)."""
    with serve_in_thread(asgi(store), "fake WooCommerce") as url:
        store.url = url
        yield url
