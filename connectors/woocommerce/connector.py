"""A WooCommerce store behind the connector interface: webhooks in, catch-up, listings, levels.

Webhooks are verified by connectors.woocommerce.webhooks (only a bad signature is
refused; the ping a new webhook sends is ignored).

Topics read (every other topic parses to no event):
- order.created, order.updated: the order in the body is the snapshot; when it lists
  refunds, their lines are read with GET /orders/{id}/refunds;
- order.deleted (moved to the trash): the body is `{"id": n}` only, so the order is read;
  its status, `trash`, releases its units;
- order.restored: the order is read again and reconciled.
A read that finds nothing (404: deleted for good) raises NotOnStore with the reason.
Only a bad signature is refused; every other delivery is stored, and `parse` closes one
it cannot read with its reason (a refusal makes WooCommerce disable the webhook).

Catch-up lists orders by date modified (GMT) and reads the refunds of those that have
any. The orders list leaves out the trash, so a missed order.deleted is not recovered.

Levels: one `stock_quantity` per product or variation, read and written by
connectors.woocommerce.inventory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
from connectors.payloads import read
from connectors.woocommerce import webhooks
from connectors.woocommerce.api import (
    MAX_PER_PAGE,
    WooCommerceApi,
    WooCommerceNotFound,
)
from connectors.woocommerce.inventory import WooCommerceInventory
from connectors.woocommerce.orders import (
    has_refunds,
    is_draft,
    json_object,
    modified_at,
    order_events,
)
from connectors.woocommerce.payloads import ResourceId
from connectors.woocommerce.subscriptions import WooCommerceSubscriptions
from connectors.woocommerce.webhooks import SIGNATURE, TOPIC, sign
from syncbot.ledger.orders import OrderEvent

__all__ = ["SIGNATURE", "WooCommerceConnector", "sign"]

ORDER_TOPICS = frozenset({"order.created", "order.updated"})
READ_AGAIN_TOPICS = frozenset({"order.deleted", "order.restored"})
# modified_after is strict and dates have whole seconds: an order saved in the cursor's
# second after the last page was read would be missed without this overlap.
_CATCH_UP_OVERLAP = timedelta(seconds=1)


class WooCommerceConnector:
    """One WooCommerce store; `location` is the syncbot location its stock figures map to."""

    batch_limit = MAX_PER_PAGE
    max_quantity: int | None = None  # no documented limit
    bulk_read_above: int | None = None  # its largest pages are the quickest read

    def __init__(
        self,
        name: str,
        api: WooCommerceApi,
        *,
        webhook_secret: str,
        location: str,
        orders_page_size: int = MAX_PER_PAGE,
    ) -> None:
        self.name = name
        self._api = api
        self._inventory = WooCommerceInventory(api)
        self._secret = webhook_secret
        self.location = location
        self._page_size = orders_page_size

    @property
    def locations(self) -> Sequence[str]:
        """WooCommerce holds one stock figure per product: one location."""
        return (self.location,)

    def __repr__(self) -> str:
        return f"WooCommerceConnector({self.name!r}, url={self._api.url!r})"

    def webhook_subscriptions(self) -> WooCommerceSubscriptions:
        return WooCommerceSubscriptions(self._api, channel=self.name, secret=self._secret)

    async def check(self) -> str:
        answer = await self._api.get("/system_status", {"_fields": "environment"})
        found = answer.get("environment") if isinstance(answer, dict) else None
        environment = found if isinstance(found, dict) else {}
        home = environment.get("home_url") or self._api.url
        return (
            f"WooCommerce {environment.get('version', '?')} at {home} "
            f"(WordPress {environment.get('wp_version', '?')}), stock at {self.location!r}"
        )

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        return webhooks.verify(body, headers, self._secret)

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        topic = delivery.topic
        if not topic:
            raise MalformedDelivery(
                f"the delivery has no {TOPIC} header: syncbot cannot tell what it holds; "
                "closed unread"
            )
        if topic not in ORDER_TOPICS | READ_AGAIN_TOPICS:
            return []
        document = json_object(body, topic)
        if topic in ORDER_TOPICS:
            return await self._events(document)
        order_id = read(ResourceId, document, f"the {topic} body").id
        try:
            order = await self._api.get(f"/orders/{order_id}")
        except WooCommerceNotFound:
            raise NotOnStore(
                f"order {order_id} not found on the store: deleted for good before syncbot "
                "read it, so its lines are unknown; release the units it holds by hand"
            ) from None
        if not isinstance(order, dict):
            raise MalformedDelivery(f"GET /orders/{order_id} did not answer an order")
        return await self._events(order)

    async def orders_since(self, cursor: datetime | None) -> AsyncIterator[OrdersPage]:
        """Orders by date modified, oldest first; each page restarts after the newest seen.

        Page numbers alone would skip orders: one saved during the run moves to the end,
        and every order after it moves up a place, one of them into a page already read.
        So each next page is asked for by date; only a page whose orders were all saved in
        one second (no date to restart from) is followed by its page number.
        """
        newest, page = cursor, 1
        while True:
            params: dict[str, str | int] = {
                "orderby": "modified",
                "order": "asc",
                "per_page": self._page_size,
                "page": page,
                "dates_are_gmt": "true",
            }
            if newest is not None:
                after = newest.astimezone(UTC) - _CATCH_UP_OVERLAP
                params["modified_after"] = after.strftime("%Y-%m-%dT%H:%M:%S")
            orders, total_pages = await self._api.get_page("/orders", params)
            events: list[OrderEvent] = []
            for order in orders:
                events += await self._events(order)
            seen = max((modified_at(order) for order in orders), default=newest)
            moved_on = seen is not None and (newest is None or seen > newest)
            newest = seen
            yield OrdersPage(events=events, cursor=newest)
            if page >= total_pages or not orders:
                return
            page = 1 if moved_on else page + 1

    async def listings(self) -> Sequence[Listing]:
        """Products and variations that manage their stock and have a SKU."""
        return await self._inventory.listings()

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`stock_quantity` by inventory id; items gone or no longer managed are left out."""
        return await self._inventory.read_levels(listings)

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Reads, then writes, 100 items per call (see connectors.woocommerce.inventory)."""
        return await self._inventory.push_levels(changes)

    async def _events(self, order: Mapping[str, Any]) -> list[OrderEvent]:
        if is_draft(order):
            return []
        refunds: list[dict[str, Any]] = []
        if has_refunds(order):
            order_id = read(ResourceId, order, "the order").id
            path = f"/orders/{order_id}/refunds"
            try:
                async for page in self._api.every_page(path, {"per_page": MAX_PER_PAGE}):
                    refunds += page
            except WooCommerceNotFound:
                raise NotOnStore(
                    f"the refunds of order {order_id} were not found on the store: the order "
                    "was deleted since, or the key lacks read access to orders"
                ) from None
        return order_events(order, refunds, self.location)
