"""A Shopify store behind the connector interface: webhooks in, catch-up, listings and levels.

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

import hashlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.base import (
    ConnectorError,
    Delivery,
    LevelChange,
    Listing,
    OrdersPage,
    PushOutcome,
)
from connectors.payloads import read
from connectors.shopify import deliveries
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.deliveries import ORDER_TOPICS, RETURN_TOPICS, SIGNATURE, gid
from connectors.shopify.documents import (
    INVENTORY_LEVELS,
    INVENTORY_SET_QUANTITIES,
    MAX_INPUT_ITEMS,
    ORDERS_PAGE_SIZE,
    ORDERS_UPDATED_SINCE,
    PRODUCT_VARIANTS,
    SHOP,
    WORST_CASE_COST,
    SetQuantity,
    inventory_set_quantities_variables,
    updated_since,
)
from connectors.shopify.orders import (
    LocationMap,
    graphql_order_events,
    parse_time,
    possibly_truncated,
)
from connectors.shopify.payloads import GqlOrder
from syncbot.ledger.orders import OrderEvent

__all__ = [
    "ORDER_TOPICS",
    "RETURN_TOPICS",
    "SIGNATURE",
    "ShopifyConnector",
    "push_key",
]

PUSH_REASON = "correction"  # "used to correct an inventory error or as a general adjustment"
NEEDED_SCOPES = ("read_orders", "read_products", "write_inventory", "read_returns")
_CATCH_UP_LIST_LIMIT = 3  # ORDERS_UPDATED_SINCE reads fulfillments(first: 3), refunds(first: 3)
STALE = "CHANGE_FROM_QUANTITY_STALE"


@dataclass(slots=True)
class _SetAnswer:
    applied: bool
    failed: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    """Item index → (user error code, message), for the items an error names."""
    whole_call: str | None = None
    """User errors naming no item: they refuse every item of the call."""
    retry_whole: bool = False
    """IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED: the same items may go again under a new key."""


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
    ) -> None:
        self.name = name
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
        scopes = [scope["handle"] for scope in data["currentAppInstallation"]["accessScopes"]]
        # A write_ scope grants its read_ scope too, and Shopify lists only the write_ one.
        granted = set(scopes) | {scope.replace("write_", "read_", 1) for scope in scopes}
        missing = [scope for scope in NEEDED_SCOPES if scope not in granted]
        answer = f"shop {shop['name']} ({shop['myshopifyDomain']}), scopes: {', '.join(scopes)}"
        return answer + (f"; missing: {', '.join(missing)}" if missing else "")

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
                )
                for variant in variants["nodes"]
            ]
            if not variants["pageInfo"]["hasNextPage"]:
                return found
            after = variants["pageInfo"]["endCursor"]

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`available` at the inventory location; items not stocked there are left out."""
        location = self._location_gid()
        wanted = {gid("InventoryItem", item.inventory_id): item.inventory_id for item in listings}
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
        """Sets `available` with compare-and-set, 250 per call; one bad item fails alone.

        A user error fails the whole Shopify call (nothing applied), so the items it did not
        name go again once, in a new call under a new deterministic key.
        """
        outcomes: list[PushOutcome] = []
        for start in range(0, len(changes), MAX_INPUT_ITEMS):
            outcomes += await self._push_batch(changes[start : start + MAX_INPUT_ITEMS])
        return outcomes

    async def _push_batch(self, changes: Sequence[LevelChange]) -> list[PushOutcome]:
        done: dict[int, PushOutcome] = {}
        pending = list(range(len(changes)))
        for attempt in range(2):
            batch = [changes[index] for index in pending]
            answer = await self._set_quantities(batch, push_key(batch, attempt))
            for local, (code, text) in answer.failed.items():
                change, stale = batch[local], code == STALE
                done[pending[local]] = PushOutcome(
                    change, stale=stale, error=None if stale else text
                )
            pending = [index for index in pending if index not in done]
            if answer.applied or (answer.whole_call and not answer.retry_whole):
                for index in pending:
                    change = changes[index]
                    done[index] = (
                        PushOutcome(change, acknowledged=change.quantity)
                        if answer.applied
                        else PushOutcome(change, error=answer.whole_call)
                    )
                pending = []
            if not pending:
                break
        for index in pending:
            refused = "not applied: Shopify refused both calls for other items; push it again"
            done[index] = PushOutcome(changes[index], error=refused)
        return [done[index] for index in range(len(changes))]

    async def _set_quantities(self, batch: Sequence[LevelChange], key: str) -> _SetAnswer:
        """One inventorySetQuantities call; user errors sorted by the item they name."""
        location = self._location_gid()
        quantities = [
            SetQuantity(
                inventory_item_id=gid("InventoryItem", change.listing.inventory_id),
                location_id=gid("Location", change.listing.location_id or location),
                quantity=change.quantity,
                change_from_quantity=change.expected,
            )
            for change in batch
        ]
        variables = inventory_set_quantities_variables(
            quantities,
            reason=PUSH_REASON,
            reference_document_uri=f"syncbot://push/{key}",
            idempotency_key=key,
        )
        cost = WORST_CASE_COST[INVENTORY_SET_QUANTITIES]
        data = await self._admin.execute(INVENTORY_SET_QUANTITIES, variables, estimated_cost=cost)
        result = data["inventorySetQuantities"]
        errors = result.get("userErrors") or []
        answer = _SetAnswer(
            applied=not errors or result.get("inventoryAdjustmentGroup") is not None
        )
        whole: list[str] = []
        for error in errors:
            code = error.get("code")
            text = f"{code or 'ERROR'}: {error.get('message', '')}"
            index = _quantity_index(error.get("field"), len(batch))
            if index is None:
                whole.append(text)
                answer.retry_whole = (
                    answer.retry_whole or code == "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
                )
            else:
                answer.failed.setdefault(index, (code, text))
        answer.whole_call = "; ".join(whole) or None
        return answer

    def _location_gid(self) -> str:
        if self._inventory_location is None:
            raise ConnectorError(
                f"channel {self.name!r}: no Shopify location maps to its default location "
                f"{self._locations.default!r}; add one under the channel's locations"
            )
        return gid("Location", self._inventory_location)


def push_key(changes: Sequence[LevelChange], attempt: int = 0) -> str:
    """The @idempotent key of one call: the same planned changes, the same key."""
    digest = hashlib.sha256("\n".join(c.idempotency_key for c in changes).encode()).hexdigest()
    return f"syncbot-{digest[:40]}" + (f"-{attempt}" if attempt else "")


def _quantity_index(field: object, size: int) -> int | None:
    """The item a user error names: `["input", "quantities", "3", ...]` is item 3."""
    if isinstance(field, list) and "quantities" in field:
        position = field.index("quantities") + 1
        if position < len(field) and re.fullmatch(r"\d+", str(field[position])):
            index = int(field[position])
            return index if index < size else None
    return None
