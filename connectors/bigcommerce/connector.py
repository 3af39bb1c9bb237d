"""A BigCommerce store behind the connector interface: webhooks in, catch-up, listings, levels.

Deliveries are verified by connectors.bigcommerce.webhooks (the Standard Webhooks
signature; only a bad signature is refused).

Webhooks carry ids only, so `parse` reads the order, its products and, for a refund, the
order's refunds (connectors.bigcommerce.orders says how they map); a read that answers
404 raises NotOnStore with the reason.

BigCommerce has no compare-and-set and applies inventory writes asynchronously: a push
reads the batch's levels first, reports the changes whose `expected` differs as stale
without sending them, sends the rest as one absolute adjustment (2,000 items at most),
and acknowledges each quantity when BigCommerce accepts the call. The next read (the drift
check) is what confirms BigCommerce applied it.
"""

from __future__ import annotations

import json
import re
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
from connectors.bigcommerce.orders import format_time, order_events, parse_time
from connectors.bigcommerce.payloads import Callback
from connectors.bigcommerce.webhooks import MESSAGE_ID, SIGNATURE, TIMESTAMP, sign
from connectors.payloads import decode, read
from syncbot.ledger.orders import OrderEvent

__all__ = ["MESSAGE_ID", "SIGNATURE", "TIMESTAMP", "BigCommerceConnector", "sign"]

ORDER_TOPICS = frozenset(
    {"store/order/created", "store/order/updated", "store/order/statusUpdated"}
)
REFUND_TOPIC = "store/order/refund/created"
BATCH_LIMIT = 2000  # "Limit of 2000 items for payload length" on absolute adjustments
READ_CHUNK = 100  # variant ids per level read, to keep the query string short
PAGE = 250
ADJUST = "v3/inventory/adjustments/absolute"
PUSH_REASON = "syncbot: sellable quantity from the inventory ledger"


class BigCommerceConnector:
    """One BigCommerce store; syncbot pushes to one inventory location, `location_id`."""

    batch_limit = BATCH_LIMIT
    max_quantity: int | None = None  # no documented limit

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
        found: list[Listing] = []
        page = 1
        while True:
            params: dict[str, str | int] = {"page": page, "limit": PAGE}
            params["include_fields"] = "sku,product_id"
            answer = await self._api.get("v3/catalog/variants", params) or {}
            for variant in answer.get("data") or []:
                if not variant.get("sku"):
                    continue  # nothing to match a syncbot SKU against
                found.append(
                    Listing(
                        sku=variant["sku"],
                        listing_id=f"{variant['product_id']}/{variant['id']}",
                        inventory_id=str(variant["id"]),
                        location_id=str(self._location_id),
                    )
                )
            pagination = (answer.get("meta") or {}).get("pagination") or {}
            if not answer.get("data") or page >= int(pagination.get("total_pages") or page):
                return found
            page += 1

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`total_inventory_onhand` by variant id at each listing's location: the figure an
        absolute adjustment sets (BigCommerce sells it less the item's safety stock).
        Variants BigCommerce reports nothing for are left out."""
        wanted: dict[str, list[str]] = {}
        for item in listings:
            place = wanted.setdefault(item.location_id or str(self._location_id), [])
            if item.inventory_id not in place:
                place.append(item.inventory_id)
        levels: dict[str, int] = {}
        for location, ids in wanted.items():
            for start in range(0, len(ids), READ_CHUNK):
                chunk = ids[start : start + READ_CHUNK]
                params: dict[str, str | int] = {"variant_id:in": ",".join(chunk)}
                params["limit"] = READ_CHUNK
                path = f"v3/inventory/locations/{location}/items"
                for item in (await self._api.get(path, params) or {}).get("data") or []:
                    variant_id = str((item.get("identity") or {}).get("variant_id"))
                    levels[variant_id] = int(item.get("total_inventory_onhand") or 0)
        return levels

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        outcomes: list[PushOutcome] = []
        for start in range(0, len(changes), BATCH_LIMIT):
            outcomes += await self._push_batch(changes[start : start + BATCH_LIMIT])
        return outcomes

    async def _push_batch(self, changes: Sequence[LevelChange]) -> list[PushOutcome]:
        """Stale changes are not sent; items a 422 names fail alone, the rest go again."""
        done: dict[int, PushOutcome] = {}
        checked = [change.listing for change in changes if change.expected is not None]
        held = await self.read_levels(checked) if checked else {}
        for index, change in enumerate(changes):
            # An item never stocked at the location has no record there: it holds 0.
            if change.expected is not None and held.get(change.listing.inventory_id, 0) != (
                change.expected
            ):
                done[index] = PushOutcome(change, stale=True)
        pending = [index for index in range(len(changes)) if index not in done]
        while pending:
            batch = [changes[index] for index in pending]
            items = [self._item(change) for change in batch]
            try:
                await self._api.put(ADJUST, {"reason": PUSH_REASON, "items": items})
            except BigCommerceRefused as refused:
                # A refusal that names no item of the batch refuses every item alike.
                named = _named_items(refused, batch) or set(range(len(batch)))
                for local in named:
                    done[pending[local]] = PushOutcome(batch[local], error=str(refused))
                pending = [index for local, index in enumerate(pending) if local not in named]
                continue
            for index in pending:
                done[index] = PushOutcome(changes[index], acknowledged=changes[index].quantity)
            pending = []
        return [done[index] for index in range(len(changes))]

    def _item(self, change: LevelChange) -> dict[str, int]:
        location = change.listing.location_id or self._location_id
        return {
            "location_id": int(location),
            "variant_id": int(change.listing.inventory_id),
            "quantity": change.quantity,
        }

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


def _named_items(refused: BigCommerceRefused, batch: Sequence[LevelChange]) -> set[int]:
    """Batch indices a refusal names, by variant id ("[Item with variant_id 106 is tracked
    by product...]", the documented 422) or by position ("items.3.quantity")."""
    text = f"{refused.title} {json.dumps(refused.errors, default=str)}"
    variant_ids = set(re.findall(r"variant_id\D{0,4}(\d+)", text))
    named = {
        local for local, change in enumerate(batch) if change.listing.inventory_id in variant_ids
    }
    positions = {int(found) for found in re.findall(r"items\.(\d+)", text)}
    return named | {local for local in positions if local < len(batch)}
