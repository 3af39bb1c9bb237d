"""A BigCommerce store behind the connector interface: webhooks in, catch-up, listings, levels.

Deliveries are verified by connectors.bigcommerce.webhooks (the Standard Webhooks
signature; only a bad signature is refused).

Webhooks carry ids only, so `parse` reads the order, its products and, for a refund, the
order's refunds (connectors.bigcommerce.orders says how they map); a read that answers
404 raises NotOnStore with the reason.

Levels (no compare-and-set, writes applied asynchronously): connectors.bigcommerce.inventory.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import (
    Delivery,
    LevelChange,
    Listing,
    MalformedDelivery,
    NotOnStore,
    OrdersPage,
    PushOutcome,
)
from connectors.bigcommerce import webhooks
from connectors.bigcommerce.api import BigCommerceAPI, BigCommerceBadResponse, BigCommerceRefused
from connectors.bigcommerce.inventory import BATCH_LIMIT, BigCommerceInventory
from connectors.bigcommerce.orders import format_time, order_events, parse_time
from connectors.bigcommerce.payloads import Callback
from connectors.bigcommerce.subscriptions import BigCommerceSubscriptions
from connectors.bigcommerce.webhooks import MESSAGE_ID, SIGNATURE, TIMESTAMP, sign
from connectors.payloads import decode, read
from syncbot.ledger.orders import OrderEvent

__all__ = ["MESSAGE_ID", "SIGNATURE", "TIMESTAMP", "BigCommerceConnector", "sign"]

ORDER_TOPICS = frozenset(
    {"store/order/created", "store/order/updated", "store/order/statusUpdated"}
)
REFUND_TOPIC = "store/order/refund/created"
PAGE = 250


class BigCommerceConnector:
    """One BigCommerce store; syncbot pushes to one inventory location, `location_id`."""

    batch_limit = BATCH_LIMIT
    max_quantity: int | None = None  # no documented limit
    bulk_read_above: int | None = None  # its largest pages are the quickest read

    def __init__(
        self,
        name: str,
        api: BigCommerceAPI,
        *,
        client_secret: str,
        location_id: int = 1,
        default_location: str = "main",
        webhook_header: tuple[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        orders_page_size: int = 50,
    ) -> None:
        self.name = name
        self._api = api
        self._secret = client_secret
        self._location_id = location_id
        self._inventory = BigCommerceInventory(api, location_id)
        self._location = default_location
        self._webhook_header = webhook_header
        self._clock = clock
        self._orders_page_size = orders_page_size

    @property
    def locations(self) -> Sequence[str]:
        """Its orders' units are all held at the default location."""
        return (self._location,)

    def __repr__(self) -> str:
        return f"BigCommerceConnector({self.name!r}, store_hash={self._api.store_hash!r})"

    def webhook_subscriptions(self) -> BigCommerceSubscriptions:
        topics = (*sorted(ORDER_TOPICS), REFUND_TOPIC)
        return BigCommerceSubscriptions(self._api, topics=topics, header=self._webhook_header)

    async def check(self) -> str:
        store = await self._api.get("v2/store")
        if not isinstance(store, dict):
            raise BigCommerceBadResponse(self._api.store_hash, "v2/store is not an object")
        return (
            f"BigCommerce store {store.get('name')} ({store.get('domain')}), hash "
            f"{self._api.store_hash}; pushes to inventory location {self._location_id}"
        )

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        return webhooks.verify(
            body,
            headers,
            client_secret=self._secret,
            store_hash=self._api.store_hash,
            webhook_header=self._webhook_header,
            now=self._clock(),
        )

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        if not delivery.topic:
            raise MalformedDelivery(
                "the callback has no scope: syncbot cannot tell what it holds; closed unread"
            )
        if delivery.topic not in ORDER_TOPICS | {REFUND_TOPIC}:
            return []
        data = read(Callback, decode(body, delivery.topic), "the callback").data
        order_id, refund_id = data.id, None
        if delivery.topic == REFUND_TOPIC:
            if data.refund is None:
                raise MalformedDelivery(f"a {REFUND_TOPIC} body must have data.refund.refund_id")
            refund_id = data.refund.refund_id
        order = await self._read(f"v2/orders/{order_id}", f"order {order_id}")
        products = await self._products(order_id)
        refunds: list[Any] = []
        if refund_id is not None:
            path = f"v3/orders/{order_id}/payment_actions/refunds"
            answer = await self._read(path, f"the refunds of order {order_id}")
            found = answer.get("data") if isinstance(answer, dict) else None
            refunds = found if isinstance(found, list) else []
        return order_events(order, products, refunds, location=self._location, refund_id=refund_id)

    async def _read(self, path: str, what: str) -> Any:
        """A read-back that a 404 answers with NotOnStore and its reason."""
        try:
            return await self._api.get(path)
        except BigCommerceRefused as refused:
            if refused.status == 404:
                raise NotOnStore(
                    f"{what} not found on the store: deleted since the webhook was sent"
                ) from None
            raise

    async def orders_since(self, cursor: datetime | None) -> AsyncIterator[OrdersPage]:
        """Orders by date_modified, oldest first. min_date_modified is inclusive, so the
        order at the cursor comes again; reconciling it again moves nothing."""
        newest, page, size = cursor, 1, self._orders_page_size
        while True:
            params: dict[str, str | int] = {"sort": "date_modified:asc", "limit": size}
            params["page"] = page
            if cursor is not None:
                params["min_date_modified"] = format_time(cursor)
            found = self._list(await self._api.get("v2/orders", params), "v2/orders")
            events: list[OrderEvent] = []
            for order in found:
                products = await self._products(order["id"])
                events += order_events(order, products, location=self._location)
                seen = parse_time(order.get("date_modified"))
                newest = seen if newest is None else max(newest, seen)
            if found:
                yield OrdersPage(events=events, cursor=newest)
            if len(found) < size:
                return
            page += 1

    async def listings(self) -> Sequence[Listing]:
        """Every catalog variant with a SKU; the inventory id is the variant id."""
        return await self._inventory.listings()

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`total_inventory_onhand` by variant id (see connectors.bigcommerce.inventory)."""
        return await self._inventory.read_levels(listings)

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Stale changes are not sent; items a 422 names fail alone, the rest go again."""
        return await self._inventory.push_levels(changes)

    async def _products(self, order_id: object) -> list[Any]:
        """Every product of an order, page by page (V2 lists 50 unless asked for more)."""
        products: list[Any] = []
        page = 1
        while True:
            params: dict[str, str | int] = {"page": page, "limit": PAGE}
            path = f"v2/orders/{order_id}/products"
            try:
                found = self._list(await self._api.get(path, params), path)
            except BigCommerceRefused as refused:
                if refused.status != 404:
                    raise
                raise NotOnStore(
                    f"the products of order {order_id} not found on the store: deleted since"
                ) from None
            products += found
            if len(found) < PAGE:
                return products
            page += 1

    def _list(self, answer: Any, path: str) -> list[Any]:
        """A V2 list; None (204 No Content) is V2's empty page."""
        if answer is None:
            return []
        if not isinstance(answer, list):
            raise BigCommerceBadResponse(self._api.store_hash, f"{path} did not answer a list")
        return answer
