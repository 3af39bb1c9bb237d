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
NO_RESTOCK, the choice that never creates stock. A refund attached to a Shopify Return
restocks nothing here: Shopify decouples restocking from refunding and records it as
the return's dispositions, which returns/* map: RESTOCKED → RESTOCK, NOT_RESTOCKED →
DAMAGED (back, but not sellable); MISSING and PROCESSING_REQUIRED move nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import MalformedDelivery
from syncbot.ledger.orders import (
    Disposition,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
)

Json = Mapping[str, Any]

# One order read alone (orders/edited, or a catch-up order too big for its page).
# Cost: order 1 + lineItems 2 + 50 × 1 + fulfillments 5 × (1 + location 1 + lines
# 2 + 50 × 2) + refunds 5 × (1 + return 1 + lines 2 + 20 × 3) = 1 + 52 + 520 + 320 = 893.
ORDER = """
query Order($id: ID!) {
  order(id: $id) {
    id
    updatedAt
    cancelledAt
    lineItems(first: 50) {
      pageInfo { hasNextPage }
      nodes { id sku quantity currentQuantity }
    }
    fulfillments(first: 5) {
      status
      createdAt
      location { id }
      fulfillmentLineItems(first: 50) {
        pageInfo { hasNextPage }
        nodes { quantity lineItem { id } }
      }
    }
    refunds(first: 5) {
      id
      return { id }
      refundLineItems(first: 20) {
        pageInfo { hasNextPage }
        nodes { id quantity restockType location { id } lineItem { id } }
      }
    }
  }
}
"""
ORDER_COST = 893
ORDER_LIST_LIMIT = 5
"""fulfillments and refunds have no pageInfo: a full list may mean more."""

# A return's restocking decisions (returns/*). Cost: return 1 + order 1 + orders 2 + 5 ×
# (1 + lineItems 2 + 25 × (1 + dispositions 2 + fulfillmentLineItem 2)) = 644.
RETURN = """
query ReturnDispositions($id: ID!) {
  return(id: $id) {
    id
    order { id }
    reverseFulfillmentOrders(first: 5) {
      pageInfo { hasNextPage }
      nodes {
        lineItems(first: 25) {
          pageInfo { hasNextPage }
          nodes {
            dispositions { id type quantity location { id } }
            fulfillmentLineItem { lineItem { id sku } }
          }
        }
      }
    }
  }
}
"""
RETURN_COST = 644

_DISPOSITIONS = {"RESTOCKED": Disposition.RESTOCK, "NOT_RESTOCKED": Disposition.DAMAGED}
_RESTOCK_TYPES = {
    "return": Disposition.RESTOCK,
    "cancel": Disposition.CANCEL,
    "no_restock": Disposition.NO_RESTOCK,
    "legacy_restock": Disposition.NO_RESTOCK,
}


class OrderTooLarge(MalformedDelivery):
    """Even read alone, the order does not fit one query: syncbot will not guess the rest."""


@dataclass(frozen=True, slots=True)
class LocationMap:
    """Shopify location ids (numeric) to syncbot locations; the unknown go to `default`."""

    by_shopify_id: Mapping[str, str]
    default: str

    def of(self, location_id: object) -> str:
        if location_id is None:
            return self.default
        return self.by_shopify_id.get(numeric_id(location_id), self.default)

    def shopify_ids(self, location: str) -> list[str]:
        return sorted(key for key, name in self.by_shopify_id.items() if name == location)


@dataclass(frozen=True, slots=True)
class _Item:
    line_id: str
    sku: str
    quantity: int
    current: int | None


@dataclass(frozen=True, slots=True)
class _Shipment:
    line_id: str
    quantity: int
    location: object
    at: datetime


@dataclass(frozen=True, slots=True)
class _Refunded:
    refund_line_id: str
    line_id: str
    quantity: int
    restock_type: str
    location: object
    from_return: bool


def numeric_id(value: object) -> str:
    """`123`, "123" and "gid://shopify/Order/123" are all "123"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        tail = value.split("?", 1)[0].rsplit("/", 1)[-1]
        if tail.isdigit() and (value.isdigit() or value.startswith("gid://shopify/")):
            return tail
    raise MalformedDelivery(f"{value!r} is not a Shopify id")


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with a zone (REST: -04:00, GraphQL: Z), in UTC."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedDelivery(f"{value!r} is not a time") from None
    if moment.tzinfo is None:
        raise MalformedDelivery(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def webhook_order_events(
    order: Json, places: LocationMap, triggered_at: datetime | None = None
) -> list[OrderEvent]:
    """An orders/* webhook (REST order): its snapshot, then one return event per refund."""
    stamp = order.get("updated_at")
    if stamp is not None:
        updated_at = parse_time(stamp)
    elif triggered_at is not None:
        updated_at = triggered_at
    else:
        raise MalformedDelivery("the order has no updated_at and the delivery no triggered-at")
    items = [
        _Item(_id(line, "id"), line.get("sku") or "", _int(line, "quantity"), _current(line))
        for line in _list(order, "line_items")
    ]
    shipments = [
        _Shipment(_id(line, "id"), _int(line, "quantity"), fulfillment.get("location_id"), at)
        for fulfillment in _list(order, "fulfillments")
        if fulfillment.get("status") == "success"
        for at in [parse_time(_field(fulfillment, "created_at"))]
        for line in _list(fulfillment, "line_items")
    ]
    refunds = [_rest_refund(refund) for refund in _list(order, "refunds")]
    order_id = numeric_id(_field(order, "id"))
    cancelled = order.get("cancelled_at") is not None
    return _events(order_id, updated_at, cancelled, items, shipments, refunds, places)


def webhook_refund_events(refund: Json, places: LocationMap) -> list[OrderEvent]:
    """A refunds/create webhook (REST refund): one return event, or none for money only."""
    lines = _return_lines(_rest_refund(refund), _skus_of_refund(refund), places)
    return [OrderReturn(numeric_id(_field(refund, "order_id")), lines)] if lines else []


def graphql_order_events(order: Json, places: LocationMap) -> list[OrderEvent]:
    """An order node (catch-up, or read alone): the same events its webhook would give."""
    items = [
        _Item(_id(node, "id"), node.get("sku") or "", _int(node, "quantity"), _current(node))
        for node in _field(order, "lineItems")["nodes"]
    ]
    shipments = [
        _Shipment(
            _id(_field(node, "lineItem"), "id"),
            _int(node, "quantity"),
            _nested_id(fulfillment, "location"),
            parse_time(_field(fulfillment, "createdAt")),
        )
        for fulfillment in _list(order, "fulfillments")
        if fulfillment.get("status") == "SUCCESS"
        for node in _field(fulfillment, "fulfillmentLineItems")["nodes"]
    ]
    refunds = [
        [
            _Refunded(
                _id(node, "id"),
                _id(_field(node, "lineItem"), "id"),
                _int(node, "quantity"),
                str(_field(node, "restockType")).lower(),
                _nested_id(node, "location"),
                refund.get("return") is not None,
            )
            for node in _field(refund, "refundLineItems")["nodes"]
        ]
        for refund in _list(order, "refunds")
    ]
    order_id = _id(order, "id")
    updated_at = parse_time(_field(order, "updatedAt"))
    cancelled = order.get("cancelledAt") is not None
    return _events(order_id, updated_at, cancelled, items, shipments, refunds, places)


def possibly_truncated(order: Json, list_limit: int) -> bool:
    """True when an order node may hold more lines, fulfillments or refunds than it shows."""
    fulfillments, refunds = _list(order, "fulfillments"), _list(order, "refunds")
    connections = [
        order.get("lineItems"),
        *(f.get("fulfillmentLineItems") for f in fulfillments),
        *(r.get("refundLineItems") for r in refunds),
    ]
    more = any(_has_next(connection) for connection in connections)
    return more or len(fulfillments) >= list_limit or len(refunds) >= list_limit


def return_events(node: Json, places: LocationMap) -> list[OrderEvent]:
    """A Return read through the Admin API: one return line per final disposition."""
    reverse_orders = _field(node, "reverseFulfillmentOrders")
    partial = _has_next(reverse_orders)
    lines: list[ReturnLine] = []
    for reverse in reverse_orders["nodes"]:
        items = _field(reverse, "lineItems")
        partial = partial or _has_next(items)
        for item in items["nodes"]:
            line = (item.get("fulfillmentLineItem") or {}).get("lineItem")
            for disposition in _list(item, "dispositions"):
                outcome = _DISPOSITIONS.get(str(disposition.get("type")))
                if outcome is None or line is None:
                    continue  # MISSING, PROCESSING_REQUIRED: nothing is back on a shelf (yet)
                lines.append(
                    ReturnLine(
                        return_line_id=f"disposition:{_id(disposition, 'id')}",
                        line_id=_id(line, "id"),
                        sku=line.get("sku") or "",
                        quantity=_int(disposition, "quantity"),
                        disposition=outcome,
                        location=places.of(_nested_id(disposition, "location")),
                    )
                )
    if partial:
        raise OrderTooLarge(f"return {node.get('id')} has more lines than syncbot reads at once")
    order_id = _id(_field(node, "order"), "id")
    return [OrderReturn(order_id, tuple(lines))] if lines else []


def _events(
    order_id: str,
    updated_at: datetime,
    cancelled: bool,
    items: Sequence[_Item],
    shipments: Sequence[_Shipment],
    refunds: Sequence[Sequence[_Refunded]],
    places: LocationMap,
) -> list[OrderEvent]:
    skus = {item.line_id: item.sku for item in items}
    every_refund = [line for refund in refunds for line in refund]
    lines = tuple(_line(item, shipments, every_refund, places) for item in items)
    events: list[OrderEvent] = [OrderSnapshot(order_id, updated_at, lines, cancelled)]
    for refund in refunds:
        if returned := _return_lines(refund, skus, places):
            events.append(OrderReturn(order_id, returned))
    return events


def _line(
    item: _Item, shipments: Sequence[_Shipment], refunds: Sequence[_Refunded], places: LocationMap
) -> OrderLine:
    mine = [shipment for shipment in shipments if shipment.line_id == item.line_id]
    fulfilled = min(item.quantity, sum(shipment.quantity for shipment in mine))
    refunded = [line for line in refunds if line.line_id == item.line_id]
    returned = sum(line.quantity for line in refunded if line.restock_type == "return")
    kept = sum(
        line.quantity for line in refunded if line.restock_type in ("no_restock", "legacy_restock")
    )
    shipped_back = returned + min(kept, max(0, fulfilled - returned))
    if item.current is None:  # REST before 2024-01 has no current_quantity: derive it
        current = item.quantity - sum(line.quantity for line in refunded)
    else:
        current = item.current
    latest = max(mine, key=lambda shipment: shipment.at, default=None)
    return OrderLine(
        line_id=item.line_id,
        sku=item.sku,
        quantity=item.quantity,
        current=max(0, min(item.quantity, current + shipped_back)),
        fulfilled=fulfilled,
        location=places.of(latest.location if latest else None),
    )


def _return_lines(
    refund: Iterable[_Refunded], skus: Mapping[str, str], places: LocationMap
) -> tuple[ReturnLine, ...]:
    lines = []
    for line in refund:
        disposition = _RESTOCK_TYPES.get(line.restock_type)
        if disposition is None:
            raise MalformedDelivery(f"refund line {line.refund_line_id}: unknown restock_type")
        if line.from_return and disposition is Disposition.RESTOCK:
            disposition = Disposition.NO_RESTOCK  # the return's dispositions restock it
        lines.append(
            ReturnLine(
                return_line_id=line.refund_line_id,
                line_id=line.line_id,
                sku=skus.get(line.line_id, ""),
                quantity=line.quantity,
                disposition=disposition,
                location=places.of(line.location),
            )
        )
    return tuple(lines)


def _rest_refund(refund: Json) -> list[_Refunded]:
    return [
        _Refunded(
            numeric_id(_field(line, "id")),
            numeric_id(_field(line, "line_item_id")),
            _int(line, "quantity"),
            str(_field(line, "restock_type")),
            line.get("location_id"),
            refund.get("return") is not None,
        )
        for line in _list(refund, "refund_line_items")
    ]


def _skus_of_refund(refund: Json) -> dict[str, str]:
    return {
        numeric_id(_field(line, "line_item_id")): (line.get("line_item") or {}).get("sku") or ""
        for line in _list(refund, "refund_line_items")
    }


def _field(document: Json, key: str) -> Any:
    if not isinstance(document, Mapping) or document.get(key) is None:
        raise MalformedDelivery(f"the payload has no {key!r}")
    return document[key]


def _id(document: Json, key: str) -> str:
    return numeric_id(_field(document, key))


def _int(document: Json, key: str) -> int:
    value = _field(document, key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDelivery(f"{key!r} must be a whole number >= 0, not {value!r}")
    return value


def _list(document: Json, key: str) -> list[Any]:
    value = document.get(key) if isinstance(document, Mapping) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedDelivery(f"{key!r} must be a list")
    return value


def _nested_id(document: Json, key: str) -> object:
    nested = document.get(key)
    return nested.get("id") if isinstance(nested, Mapping) else None


def _has_next(connection: object) -> bool:
    page = connection.get("pageInfo") if isinstance(connection, Mapping) else None
    return bool(page.get("hasNextPage")) if isinstance(page, Mapping) else False


def _current(line: Json) -> int | None:
    """REST `current_quantity` (from 2024-01) or GraphQL `currentQuantity`."""
    value = line.get("current_quantity", line.get("currentQuantity"))
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDelivery(f"current quantity must be a whole number >= 0, not {value!r}")
    return value
