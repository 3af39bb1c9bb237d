"""A Shopify store behind the connector interface: webhooks in, catch-up, listings and levels
(pushed by connectors.shopify.push).

Topics read (everything else parses to no event, which intake counts as ignored):
- orders/create, updated, paid, cancelled, fulfilled, partially_fulfilled: the REST order
  in the body is the snapshot;
- orders/edited: the body is an order edit (`order_edit.order_id` and the line deltas),
  not an order, so the order is read through the Admin API;
- refunds/create: the REST refund in the body;
- returns/process and returns/close: the body names the return only; its dispositions
  are read through the Admin API. Other returns/* topics decide nothing about stock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import (
    ConnectorError,
    Delivery,
    LevelChange,
    Listing,
    OrdersPage,
    PushOutcome,
    barcodes_of,
)
from connectors.payloads import read
from connectors.scopes import ScopeReport
from connectors.shopify import bulk, deliveries, push
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.deliveries import ORDER_TOPICS, RETURN_TOPICS, SIGNATURE, gid
from connectors.shopify.documents import (
    INVENTORY_LEVELS,
    MAX_INPUT_ITEMS,
    ORDERS_PAGE_SIZE,
    ORDERS_UPDATED_SINCE,
    PRODUCT_VARIANTS,
    SHOP,
    WORST_CASE_COST,
    updated_since,
)
from connectors.shopify.orders import (
    LocationMap,
    graphql_order_events,
    parse_time,
    possibly_truncated,
)
from connectors.shopify.payloads import GqlOrder
from connectors.shopify.push import push_key
from connectors.shopify.subscriptions import ShopifySubscriptions
from syncbot.ledger.orders import OrderEvent

__all__ = [
    "ORDER_TOPICS",
    "RETURN_TOPICS",
    "SIGNATURE",
    "ShopifyConnector",
    "push_key",
]

NEEDED_SCOPES = ("read_orders", "read_products", "write_inventory", "read_returns")
_CATCH_UP_LIST_LIMIT = 3  # ORDERS_UPDATED_SINCE reads fulfillments(first: 3), refunds(first: 3)


def _scope_report(data: Mapping[str, Any]) -> ScopeReport:
    scopes = [scope["handle"] for scope in data["currentAppInstallation"]["accessScopes"]]
    # A write_ scope grants its read_ scope too, and Shopify lists only the write_ one.
    granted = set(scopes) | {scope.replace("write_", "read_", 1) for scope in scopes}
    return ScopeReport(scopes, [scope for scope in NEEDED_SCOPES if scope not in granted])


class ShopifyConnector:
    """One Shopify store; `inventory_location` is the Shopify location syncbot pushes to."""

    batch_limit = MAX_INPUT_ITEMS
    # GraphQL `Int` is 32-bit: one quantity beyond it fails the whole call (INVALID_VARIABLE).
    max_quantity: int | None = 2_147_483_647

    def __init__(
        self,
        name: str,
        admin: ShopifyAdmin,
        *,
        webhook_secret: str,
        locations: LocationMap,
        inventory_location: str | None = None,
        bulk_read_above: int = bulk.DEFAULT_THRESHOLD,
    ) -> None:
        self.name = name
        self.bulk_read_above: int | None = bulk_read_above
        self._admin = admin
        self._secret = webhook_secret
        self._locations = locations
        self._inventory_location = inventory_location

    @property
    def locations(self) -> Sequence[str]:
        return self._locations.names

    def __repr__(self) -> str:
        return f"ShopifyConnector({self.name!r}, shop={self._admin.shop!r})"

    async def check(self) -> str:
        data = await self._admin.execute(SHOP, estimated_cost=WORST_CASE_COST[SHOP])
        shop = data["shop"]
        scopes = _scope_report(data)
        answer = f"shop {shop['name']} ({shop['myshopifyDomain']}), scopes: "
        answer += ", ".join(scopes.granted)
        return answer + (f"; missing: {', '.join(scopes.missing)}" if scopes.missing else "")

    async def access_scopes(self) -> ScopeReport:
        """The app's access scopes, and those of NEEDED_SCOPES it lacks."""
        return _scope_report(await self._admin.execute(SHOP, estimated_cost=WORST_CASE_COST[SHOP]))

    def webhook_subscriptions(self) -> ShopifySubscriptions:
        return ShopifySubscriptions(self._admin)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        return deliveries.verify(body, headers, secret=self._secret, shop=self._admin.shop)

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        return await deliveries.events(self._admin, self._locations, delivery, body)

    async def orders_since(self, cursor: datetime | None) -> AsyncIterator[OrdersPage]:
        query = updated_since(cursor) if cursor is not None else ""
        newest, after = cursor, None
        while True:
            variables = {"first": ORDERS_PAGE_SIZE, "after": after, "query": query}
            cost = WORST_CASE_COST[ORDERS_UPDATED_SINCE]
            page = await self._admin.execute(ORDERS_UPDATED_SINCE, variables, estimated_cost=cost)
            orders = page["orders"]
            events: list[OrderEvent] = []
            for found in orders["nodes"]:
                node = read(GqlOrder, found, "an order of the catch-up page")
                if possibly_truncated(node, _CATCH_UP_LIST_LIMIT):
                    events += await deliveries.read_order(
                        self._admin, self._locations, node.id, missing_ok=True
                    )
                else:
                    events += graphql_order_events(node, self._locations)
                # Returns decide restocking for the refunds attached to them: read those too,
                # so a missed returns/process webhook is recovered like a missed order one.
                for refund in node.refunds:
                    if refund.return_ is not None:
                        events += await deliveries.read_return(
                            self._admin, self._locations, refund.return_.id, missing_ok=True
                        )
                seen = parse_time(node.updatedAt)
                newest = seen if newest is None else max(newest, seen)
            yield OrdersPage(events=events, cursor=newest)
            if not orders["pageInfo"]["hasNextPage"]:
                return
            after = orders["pageInfo"]["endCursor"]

    async def listings(self) -> Sequence[Listing]:
        found: list[Listing] = []
        after = None
        while True:
            cost = WORST_CASE_COST[PRODUCT_VARIANTS]
            variants = (
                await self._admin.execute(PRODUCT_VARIANTS, {"after": after}, estimated_cost=cost)
            )["productVariants"]
            found += [
                Listing(
                    sku=variant.get("sku") or "",
                    listing_id=variant["id"],
                    inventory_id=variant["inventoryItem"]["id"],
                    barcodes=barcodes_of(variant.get("barcode")),
                    managed_by_storefront=bool(variant.get("requiresComponents")),
                )
                for variant in variants["nodes"]
            ]
            if not variants["pageInfo"]["hasNextPage"]:
                return found
            after = variants["pageInfo"]["endCursor"]

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`available` at the inventory location; items not stocked there are left out.

        More than `bulk_read_above` listings are read in one bulk operation
        (connectors.shopify.bulk); fewer, 250 a query at 3 points an item.
        """
        location = self._location_gid()
        wanted = {gid("InventoryItem", item.inventory_id): item.inventory_id for item in listings}
        if self.bulk_read_above is not None and len(wanted) > self.bulk_read_above:
            return await bulk.read_levels(self._admin, location, wanted)
        ids, levels = list(wanted), {}
        for start in range(0, len(ids), MAX_INPUT_ITEMS):
            chunk = ids[start : start + MAX_INPUT_ITEMS]
            variables = {"inventoryItemIds": chunk, "locationId": location}
            cost = WORST_CASE_COST[INVENTORY_LEVELS]
            data = await self._admin.execute(INVENTORY_LEVELS, variables, estimated_cost=cost)
            for node in data["nodes"]:
                level = (node or {}).get("inventoryLevel")
                for quantity in (level or {}).get("quantities", []):
                    if quantity["name"] == "available":
                        levels[wanted[node["id"]]] = int(quantity["quantity"])
        return levels

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Sets `available` with compare-and-set, 250 per call; one bad item fails alone
        (see connectors.shopify.push)."""
        return await push.push_levels(self._admin, changes, self._location_gid)

    def _location_gid(self) -> str:
        if self._inventory_location is None:
            raise ConnectorError(
                f"channel {self.name!r}: no Shopify location maps to its default location "
                f"{self._locations.default!r}; add one under the channel's locations"
            )
        return gid("Location", self._inventory_location)
