"""Shopify orders, refunds and returns turned into syncbot's order events: pure, no I/O.

Webhooks carry the REST shape (numeric ids, snake_case); catch-up and the reads behind
orders/edited and returns/* carry the GraphQL shape (gids, camelCase). Both reduce to one
form, the numeric id, so a webhook and a catch-up of the same order meet the same state.
An order, either way, is its snapshot followed by one return event per refund it lists:
refund lines apply once by id, so refunds/create and the order's own list never double.

Per line of a snapshot (LineItem docs, Admin API 2026-07 schema and REST Order resource):
- quantity: `quantity`, "units ordered, including refunded and removed units";
- fulfilled: the sum of the line's units over fulfillments whose status is success;
- current: `current_quantity` counts "excluding refunded and removed units", so a refund
  of shipped units would lower it although those units are no longer open. syncbot's
  `current` is "still on the order after edits, removals and cancelling refunds", so the
  shipped units refunded are added back: all `return` units, then `no_restock` and
  `legacy_restock` units up to what shipped (Shopify refunds shipped units first);
- location: where the line's latest successful fulfillment left from, else the default.

Per refund line (`restock_type`, RefundLineItemRestockType): return → RESTOCK at its
location; cancel → CANCEL; no_restock → NO_RESTOCK; legacy_restock (deprecated, not
accepted for new refunds, and it does not say whether the units had shipped) →
NO_RESTOCK, the choice that never creates stock. Older refunds still have no
restock_type, only the refund's `restock`: true meant, as Shopify documented it then,
"return" for units that had shipped and "cancel" for those that had not (shipped units
are taken first, as Shopify refunds them); false, or absent, means no restock. Such a
line's parts are keyed `<id>:return` and `<id>:cancel`. A refund attached to a Shopify
Return restocks nothing here: Shopify decouples restocking from refunding and records it as
the return's dispositions, which returns/* map: RESTOCKED → RESTOCK, NOT_RESTOCKED →
DAMAGED (back, but not sellable); MISSING and PROCESSING_REQUIRED move nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import MalformedDelivery
from connectors.payloads import read
from connectors.shopify.lines import (
    DISPOSITIONS,
    ORDER_LIST_LIMIT,
    Item,
    LocationMap,
    OrderTooLarge,
    Refunded,
    Shipment,
    events,
    parse_time,
    return_lines,
)
from connectors.shopify.payloads import (
    GqlOrder,
    GqlReturn,
    PageInfo,
    RefundedItem,
    RestOrder,
    RestRefund,
    RestRefundLine,
    numeric_id,
)
from connectors.shopify.reads import ORDER, ORDER_COST, RETURN, RETURN_COST
from syncbot.ledger.orders import OrderEvent, OrderReturn, ReturnLine

__all__ = [
    "ORDER",
    "ORDER_COST",
    "ORDER_LIST_LIMIT",
    "RETURN",
    "RETURN_COST",
    "LocationMap",
    "OrderTooLarge",
    "graphql_order_events",
    "numeric_id",
    "parse_time",
    "possibly_truncated",
    "return_events",
    "webhook_order_events",
    "webhook_refund_events",
]

Json = Mapping[str, Any]


def webhook_order_events(
    document: Json, places: LocationMap, triggered_at: datetime | None = None
) -> list[OrderEvent]:
    """An orders/* webhook (REST order): its snapshot, then one return event per refund."""
    order = read(RestOrder, document, "the order")
    if order.updated_at is not None:
        updated_at = parse_time(order.updated_at)
    elif triggered_at is not None:
        updated_at = triggered_at
    else:
        raise MalformedDelivery("the order has no updated_at and the delivery no triggered-at")
    items = [
        Item(line.id, line.sku or "", line.quantity, line.current_quantity)
        for line in order.line_items
    ]
    shipments = [
        Shipment(line.id, line.quantity, fulfillment.location_id, at)
        for fulfillment in order.fulfillments
        if fulfillment.status == "success"
        for at in [_time(fulfillment.created_at, "fulfillments.created_at")]
        for line in fulfillment.line_items
    ]
    shipped = _shipped_by_line(items, shipments)
    refunds = [_rest_refund(refund, shipped) for refund in order.refunds]
    cancelled = order.cancelled_at is not None
    return events(order.id, updated_at, cancelled, items, shipments, refunds, places)


def webhook_refund_events(document: Json, places: LocationMap) -> list[OrderEvent]:
    """A refunds/create webhook (REST refund): one return event, or none for money only."""
    refund = read(RestRefund, document, "the refund")
    if refund.order_id is None:
        raise MalformedDelivery("the refund: 'order_id' is missing")
    shipped = {
        line.line_item_id: _shipped_units(line.line_item)
        for line in refund.refund_line_items
        if line.line_item is not None
    }
    skus = {
        line.line_item_id: (line.line_item.sku if line.line_item else None) or ""
        for line in refund.refund_line_items
    }
    lines = return_lines(_rest_refund(refund, shipped), skus, places)
    return [OrderReturn(refund.order_id, lines)] if lines else []


def graphql_order_events(document: Json | GqlOrder, places: LocationMap) -> list[OrderEvent]:
    """An order node (catch-up, or read alone): the same events its webhook would give."""
    order = document if isinstance(document, GqlOrder) else read(GqlOrder, document, "the order")
    items = [
        Item(node.id, node.sku or "", node.quantity, node.currentQuantity)
        for node in order.lineItems.nodes
    ]
    shipments = [
        Shipment(
            node.lineItem.id,
            node.quantity,
            fulfillment.location.id if fulfillment.location else None,
            _time(fulfillment.createdAt, "fulfillments.createdAt"),
        )
        for fulfillment in order.fulfillments
        if fulfillment.status == "SUCCESS"
        for node in fulfillment.fulfillmentLineItems.nodes
    ]
    refunds = [
        [
            Refunded(
                node.id,
                node.lineItem.id,
                node.quantity,
                node.restockType.lower(),
                node.location.id if node.location else None,
                refund.return_ is not None,
            )
            for node in refund.refundLineItems.nodes
        ]
        for refund in order.refunds
    ]
    updated_at = parse_time(order.updatedAt)
    cancelled = order.cancelledAt is not None
    return events(order.id, updated_at, cancelled, items, shipments, refunds, places)


def possibly_truncated(document: Json | GqlOrder, list_limit: int) -> bool:
    """True when an order node may hold more lines, fulfillments or refunds than it shows."""
    order = document if isinstance(document, GqlOrder) else read(GqlOrder, document, "the order")
    pages = [
        order.lineItems.pageInfo,
        *(f.fulfillmentLineItems.pageInfo for f in order.fulfillments),
        *(r.refundLineItems.pageInfo for r in order.refunds),
    ]
    more = any(_has_next(page) for page in pages)
    return more or len(order.fulfillments) >= list_limit or len(order.refunds) >= list_limit


def return_events(document: Json | GqlReturn, places: LocationMap) -> list[OrderEvent]:
    """A Return read through the Admin API: one return line per final disposition."""
    node = document if isinstance(document, GqlReturn) else read(GqlReturn, document, "the return")
    reverse_orders = node.reverseFulfillmentOrders
    partial = _has_next(reverse_orders.pageInfo)
    lines: list[ReturnLine] = []
    for reverse in reverse_orders.nodes:
        partial = partial or _has_next(reverse.lineItems.pageInfo)
        for item in reverse.lineItems.nodes:
            line = item.fulfillmentLineItem.lineItem if item.fulfillmentLineItem else None
            for disposition in item.dispositions:
                outcome = DISPOSITIONS.get(str(disposition.type))
                if outcome is None or line is None:
                    continue  # MISSING, PROCESSING_REQUIRED: nothing is back on a shelf (yet)
                lines.append(
                    ReturnLine(
                        return_line_id=f"disposition:{disposition.id}",
                        line_id=line.id,
                        sku=line.sku or "",
                        quantity=disposition.quantity,
                        disposition=outcome,
                        location=places.of(
                            disposition.location.id if disposition.location else None
                        ),
                    )
                )
    if partial:
        raise OrderTooLarge(f"return {node.id} has more lines than syncbot reads at once")
    return [OrderReturn(node.order.id, tuple(lines))] if lines else []


def _rest_refund(refund: RestRefund, shipped: dict[str, int]) -> list[Refunded]:
    """A REST refund's lines; a legacy line (no restock_type) is split as the module says.

    `shipped` holds the units of each line that had shipped, where known; it is spent as
    legacy lines return units, so two legacy refunds never return the same unit twice.
    """
    lines: list[Refunded] = []
    from_return = refund.return_ is not None
    for line in refund.refund_line_items:
        if line.restock_type is not None:
            lines.append(_part(line, from_return, "", line.quantity, line.restock_type))
        elif not refund.restock:
            lines.append(_part(line, from_return, "", line.quantity, "no_restock"))
        else:
            returned = min(line.quantity, max(0, shipped.get(line.line_item_id, 0)))
            shipped[line.line_item_id] = shipped.get(line.line_item_id, 0) - returned
            if returned:
                lines.append(_part(line, from_return, ":return", returned, "return"))
            if line.quantity > returned:
                left = line.quantity - returned
                lines.append(_part(line, from_return, ":cancel", left, "cancel"))
    return lines


def _part(
    line: RestRefundLine, from_return: bool, suffix: str, units: int, restock_type: str
) -> Refunded:
    """A refund line, or the part of a legacy one that is a return or a cancel (suffixed)."""
    return Refunded(
        f"{line.id}{suffix}", line.line_item_id, units, restock_type, line.location_id, from_return
    )


def _shipped_by_line(items: Sequence[Item], shipments: Sequence[Shipment]) -> dict[str, int]:
    return {
        item.line_id: min(
            item.quantity, sum(s.quantity for s in shipments if s.line_id == item.line_id)
        )
        for item in items
    }


def _shipped_units(item: RefundedItem) -> int:
    """What a refund line's embedded line item says had shipped: all of it when fulfilled,
    none when unfulfilled (null), and what is no longer fulfillable when partial."""
    quantity = item.quantity or 0
    if item.fulfillment_status == "fulfilled":
        return quantity
    if item.fulfillment_status == "partial" and item.fulfillable_quantity is not None:
        return max(0, quantity - item.fulfillable_quantity)
    return 0


def _time(value: str | None, name: str) -> datetime:
    if value is None:
        raise MalformedDelivery(f"{name}: a successful fulfillment must say when it was made")
    return parse_time(value)


def _has_next(page: PageInfo | None) -> bool:
    return page is not None and page.hasNextPage
