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

Levels: WooCommerce keeps one `stock_quantity` per product or variation that manages its
stock; it maps to the channel's one location. An inventory id is "123" for a product and
"123/456" for variation 456 of product 123. There is no compare-and-set: a push reads the
batch's figures, marks each change whose `expected` differs as stale, and writes the rest
at once with the batch endpoint, so the window between read and write is one round trip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import (
    ConnectorError,
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
    WooCommerceBadResponse,
    WooCommerceNotFound,
)
from connectors.woocommerce.orders import (
    has_refunds,
    is_draft,
    json_object,
    modified_at,
    order_events,
    resource_id,
)
from connectors.woocommerce.payloads import ResourceId
from connectors.woocommerce.webhooks import SIGNATURE, TOPIC, sign
from syncbot.ledger.orders import OrderEvent

__all__ = ["SIGNATURE", "WooCommerceConnector", "sign"]

ORDER_TOPICS = frozenset({"order.created", "order.updated"})
READ_AGAIN_TOPICS = frozenset({"order.deleted", "order.restored"})
# modified_after is strict and dates have whole seconds: an order saved in the cursor's
# second after the last page was read would be missed without this overlap.
_CATCH_UP_OVERLAP = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class _Item:
    index: int
    item_id: str
    change: LevelChange


class WooCommerceConnector:
    """One WooCommerce store; `location` is the syncbot location its stock figures map to."""

    batch_limit = MAX_PER_PAGE
    max_quantity: int | None = None  # no documented limit

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
        self._secret = webhook_secret
        self.location = location
        self._page_size = orders_page_size

    @property
    def locations(self) -> Sequence[str]:
        """WooCommerce holds one stock figure per product: one location."""
        return (self.location,)

    def __repr__(self) -> str:
        return f"WooCommerceConnector({self.name!r}, url={self._api.url!r})"

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
        found: list[Listing] = []
        async for products in self._api.every_page("/products", {"per_page": MAX_PER_PAGE}):
            for product in products:
                product_id = resource_id(product.get("id"))
                found += _listed(product, product_id)
                if product.get("type") == "variable" and product.get("variations"):
                    path = f"/products/{product_id}/variations"
                    async for page in self._api.every_page(path, {"per_page": MAX_PER_PAGE}):
                        for variation in page:
                            variation_id = resource_id(variation.get("id"))
                            found += _listed(variation, f"{product_id}/{variation_id}")
        return found

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`stock_quantity` by inventory id; items gone or no longer managed are left out."""
        wanted: dict[str, dict[str, str]] = {}
        for listing in listings:
            collection, item_id = _target(listing.inventory_id)
            wanted.setdefault(collection, {})[item_id] = listing.inventory_id
        levels: dict[str, int] = {}
        for collection, items in wanted.items():
            ids = list(items)
            for start in range(0, len(ids), MAX_PER_PAGE):
                held = await self._stock(collection, ids[start : start + MAX_PER_PAGE])
                levels.update({items[item_id]: quantity for item_id, quantity in held.items()})
        return levels

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Reads, then writes, 100 items per call; one endpoint per product's variations."""
        done: dict[int, PushOutcome] = {}
        groups: dict[str, list[_Item]] = {}
        for index, change in enumerate(changes):
            try:
                collection, item_id = _target(change.listing.inventory_id)
            except ConnectorError as error:
                done[index] = PushOutcome(change, error=str(error))
                continue
            groups.setdefault(collection, []).append(_Item(index, item_id, change))
        for collection, items in groups.items():
            for start in range(0, len(items), MAX_PER_PAGE):
                done.update(await self._push(collection, items[start : start + MAX_PER_PAGE]))
        return [done[index] for index in range(len(changes))]

    async def _push(self, collection: str, items: Sequence[_Item]) -> dict[int, PushOutcome]:
        checked = [item.item_id for item in items if item.change.expected is not None]
        held = await self._stock(collection, checked) if checked else {}
        done: dict[int, PushOutcome] = {}
        writes: list[_Item] = []
        for item in items:
            expected = item.change.expected
            if expected is not None and item.item_id not in held:
                done[item.index] = PushOutcome(item.change, error=_unmanaged(item))
            elif expected is not None and held[item.item_id] != expected:
                done[item.index] = PushOutcome(item.change, stale=True)
            else:
                writes.append(item)
        if not writes:
            return done
        update = [{"id": int(w.item_id), "stock_quantity": w.change.quantity} for w in writes]
        try:
            answer = await self._api.post(f"{collection}/batch", {"update": update})
        except (WooCommerceBadResponse, WooCommerceNotFound) as error:
            # The store refused the call as a whole; other calls of this push still go.
            return done | {w.index: PushOutcome(w.change, error=str(error)) for w in writes}
        results = _by_id(answer.get("update") if isinstance(answer, dict) else None)
        for item in writes:
            done[item.index] = _outcome(item, results.get(item.item_id))
        return done

    async def _stock(self, collection: str, item_ids: Sequence[str]) -> dict[str, int]:
        """The stock_quantity of each item that exists and manages its stock."""
        params: dict[str, str | int] = {
            "include": ",".join(item_ids),
            "per_page": MAX_PER_PAGE,
            "_fields": "id,manage_stock,stock_quantity",
        }
        found = await self._api.get(collection, params)
        return {
            resource_id(item.get("id")): item["stock_quantity"]
            for item in (found if isinstance(found, list) else [])
            if item.get("manage_stock") is True and _whole(item.get("stock_quantity"))
        }

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


def _listed(item: Mapping[str, Any], inventory_id: str) -> list[Listing]:
    """A product or variation as a listing, if it manages its own stock and has a SKU.

    A variation's manage_stock is "parent" when its parent's stock figure is the one sold.
    """
    sku = item.get("sku")
    if item.get("manage_stock") is not True or not isinstance(sku, str) or not sku:
        return []
    return [Listing(sku=sku, listing_id=inventory_id, inventory_id=inventory_id)]


def _target(inventory_id: str) -> tuple[str, str]:
    """The collection an inventory id lives in, and its id there."""
    parent, _, child = inventory_id.partition("/")
    if not parent.isdigit() or not (child.isdigit() or child == ""):
        raise ConnectorError(f"{inventory_id!r} is not a WooCommerce inventory id")
    if child:
        return f"/products/{int(parent)}/variations", str(int(child))
    return "/products", str(int(parent))


def _outcome(item: _Item, result: Mapping[str, Any] | None) -> PushOutcome:
    if result is None:
        return PushOutcome(item.change, error="WooCommerce's answer left this item out")
    error = result.get("error")
    if isinstance(error, Mapping):
        return PushOutcome(item.change, error=f"{error.get('code')}: {error.get('message')}")
    quantity = result.get("stock_quantity")
    if result.get("manage_stock") is False or not _whole(quantity):
        return PushOutcome(item.change, error=_unmanaged(item))
    return PushOutcome(item.change, acknowledged=quantity)


def _unmanaged(item: _Item) -> str:
    return (
        f"{item.change.listing.inventory_id} is not in WooCommerce or does not manage its "
        "stock: turn on Manage stock, or refresh the listings"
    )


def _by_id(results: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(results, list):
        return {}
    return {
        str(result.get("id")): result
        for result in results
        if isinstance(result, Mapping) and result.get("id") is not None
    }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
