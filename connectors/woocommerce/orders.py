"""WooCommerce webhook bodies, orders and refunds as syncbot's order events: pure, no I/O.

What the payloads hold (REST API v3; a webhook body is the JSON GET /orders/{id} answers):
- an order's `line_items` carry `id`, `sku` (the product's SKU now), `quantity` (units
  ordered; a refund never lowers it) and `meta_data`;
- an order's `refunds` list only `{id, reason, total}`, so refunded units are read with
  GET /orders/{id}/refunds: a refund's `line_items` have a negative `quantity`, and the
  order line they refund in the meta `_refunded_item_id`;
- `api_restock` is write-only: a refund does not say whether it restocked. WooCommerce
  records it on the order line instead (wc_restock_refunded_items): the meta
  `_restock_refunded_items` is the running total of the line's units put back by refunds.

Status → snapshot: pending, on-hold and processing commit; completed fulfils every unit
still on the order (WooCommerce core has no partial fulfilment); cancelled, failed and
trash (order.deleted) release; refunded fulfils like completed when the order was
completed first (date_completed_gmt set) and releases otherwise. Drafts (checkout-draft)
are not orders yet: no event. A status this module does not know (a plugin's) holds the
units, the choice that never oversells. `updated_at` is date_modified_gmt, in UTC.

Refunded units, per order line:
- refunded before the order was completed never shipped: CANCEL, once per refund line,
  and they leave the line's `current`;
- refunded after it: RESTOCK for the units `_restock_refunded_items` says went back, the
  rest NO_RESTOCK. That total also counts restocked unshipped units, and which refund
  restocked is not recorded, so it is spent on the unshipped units first: an ambiguous
  restock never creates stock. As only a running total is known, each shipped unit has
  its own return line (`<line>:restocked:<n>`, `<line>:kept:<n>`), so the n-th unit put
  back moves stock once, whichever snapshot shows it first.

A refund newer than the order's date_modified_gmt is left to the snapshot that shows it.
A line without a SKU is kept with sku "" (as Shopify's are): intake parks and reports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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
RELEASED_STATUSES = frozenset({"cancelled", "failed", "trash"})
DRAFT_STATUSES = frozenset({"checkout-draft", "draft", "auto-draft"})
RESTOCKED_META = "_restock_refunded_items"
REFUNDED_ITEM_META = "_refunded_item_id"


@dataclass(frozen=True, slots=True)
class _Refunded:
    refund_line_id: str
    line_id: str
    quantity: int
    at: datetime


def resource_id(value: object) -> str:
    """123 and "123" are "123"; anything else is not a WooCommerce id."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise MalformedDelivery(f"{value!r} is not a WooCommerce id")
    return str(int(value))


def parse_gmt(value: object) -> datetime:
    """A `*_gmt` date: ISO 8601 without a zone, meaning UTC (a zone, if any, is honoured)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedDelivery(f"{value!r} is not a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def modified_at(document: Json) -> datetime:
    return parse_gmt(_field(document, "date_modified_gmt"))


def is_draft(order: Json) -> bool:
    return order.get("status") in DRAFT_STATUSES


def has_refunds(order: Json) -> bool:
    return bool(_list(order, "refunds"))


def event_id(topic: str, document: Mapping[str, Any], delivery_id: str | None) -> str:
    """A webhook's Delivery.event_id: the resource id and the time it was saved.

    X-WC-Webhook-Delivery-ID is new on every attempt, so it cannot deduplicate.
    """
    resource, _, event = topic.partition(".")
    if document.get("id") is None:
        raise MalformedDelivery(f"a {topic} body must have the {resource or 'resource'}'s id")
    prefix = f"{resource}-{resource_id(document['id'])}"
    if event == "deleted" or document.get("date_modified_gmt") is None:
        # The body of a deletion is the id alone: each attempt is a new delivery, and
        # reading the order again makes a repeat harmless.
        return f"{prefix}@{event}/{delivery_id or 'unknown'}"
    return f"{prefix}@{modified_at(document).strftime('%Y-%m-%dT%H:%M:%S')}"


def json_object(body: bytes, topic: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise MalformedDelivery(f"the {topic} body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise MalformedDelivery(f"a {topic} body must be a JSON object")
    return document


def order_events(order: Json, refunds: Sequence[Json], location: str) -> list[OrderEvent]:
    """An order's snapshot, then one return event for its refunded units, if any.

    `refunds` is what GET /orders/{id}/refunds answered (empty when the order lists none);
    refunds created after the order's date_modified_gmt are left to a later snapshot.
    """
    status = str(_field(order, "status"))
    if status in DRAFT_STATUSES:
        return []
    order_id = resource_id(_field(order, "id"))
    completed_at = _optional_time(order.get("date_completed_gmt"))
    shipped = status == "completed" or (status == "refunded" and completed_at is not None)
    cancelled = status in RELEASED_STATUSES or (status == "refunded" and not shipped)

    def after_shipping(refund: _Refunded) -> bool:
        return shipped and (completed_at is None or refund.at >= completed_at)

    updated_at = modified_at(order)
    # A refund newer than the snapshot goes with a later snapshot's restock total and
    # status; read with this one, it could be judged against the wrong completion.
    every_refund = [refund for refund in _refunded_units(refunds) if refund.at <= updated_at]
    lines: list[OrderLine] = []
    returned: list[ReturnLine] = []
    for item in _list(order, "line_items"):
        line, back = _line(item, every_refund, after_shipping, shipped, location)
        lines.append(line)
        returned += back
    events: list[OrderEvent] = [OrderSnapshot(order_id, updated_at, tuple(lines), cancelled)]
    if returned:
        events.append(OrderReturn(order_id, tuple(returned)))
    return events


def _line(
    item: Json,
    every_refund: Sequence[_Refunded],
    after_shipping: Callable[[_Refunded], bool],
    shipped: bool,
    location: str,
) -> tuple[OrderLine, list[ReturnLine]]:
    """One order line's snapshot line and the return lines of its refunded units."""
    line_id, sku = resource_id(_field(item, "id")), item.get("sku") or ""
    quantity = _count(_field(item, "quantity"), "quantity")
    mine = [refund for refund in every_refund if refund.line_id == line_id]
    unshipped = [refund for refund in mine if not after_shipping(refund)]
    never_shipped = sum(refund.quantity for refund in unshipped)
    shipped_back = sum(refund.quantity for refund in mine) - never_shipped
    current = max(0, quantity - never_shipped)
    line = OrderLine(line_id, sku, quantity, current, current if shipped else 0, location)

    def back(key: str, disposition: Disposition, units: int = 1) -> ReturnLine:
        return ReturnLine(key, line_id, sku, units, disposition, location)

    returned = [
        back(f"refund-line-{refund.refund_line_id}", Disposition.CANCEL, refund.quantity)
        for refund in unshipped
    ]
    restocked = min(shipped_back, max(0, _restocked(item) - never_shipped))
    returned += [
        back(f"{line_id}:restocked:{n}", Disposition.RESTOCK) for n in range(1, restocked + 1)
    ]
    returned += [
        back(f"{line_id}:kept:{n}", Disposition.NO_RESTOCK)
        for n in range(restocked + 1, shipped_back + 1)
    ]
    return line, returned


def _refunded_units(refunds: Sequence[Json]) -> list[_Refunded]:
    """Each refund line that gives units back, with the order line it refunds."""
    found: list[_Refunded] = []
    for refund in refunds:
        at = parse_gmt(_field(refund, "date_created_gmt"))
        for line in _list(refund, "line_items"):
            quantity = line.get("quantity") or 0
            if not isinstance(quantity, int) or isinstance(quantity, bool):
                raise MalformedDelivery(f"refund quantity {quantity!r} is not a whole number")
            if quantity == 0:
                continue  # money back on a line, no units
            refunded_item = _meta(line, REFUNDED_ITEM_META)
            if refunded_item is None:
                raise MalformedDelivery(
                    f"refund line {line.get('id')!r} has no {REFUNDED_ITEM_META}: "
                    "syncbot cannot tell which order line it refunds"
                )
            line_id = resource_id(refunded_item)
            found.append(_Refunded(resource_id(_field(line, "id")), line_id, abs(quantity), at))
    return found


def _restocked(item: Json) -> int:
    value = _meta(item, RESTOCKED_META)
    return 0 if value is None else _count(value, RESTOCKED_META)


def _meta(document: Json, key: str) -> object:
    for entry in _list(document, "meta_data"):
        if isinstance(entry, Mapping) and entry.get("key") == key:
            return entry.get("value")
    return None


def _count(value: object, name: str) -> int:
    """A whole number >= 0; meta values arrive as strings ("2")."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDelivery(f"{name!r} must be a whole number >= 0, not {value!r}")
    return value


def _optional_time(value: object) -> datetime | None:
    return None if value in (None, "") else parse_gmt(value)


def _field(document: Json, key: str) -> Any:
    if not isinstance(document, Mapping) or document.get(key) is None:
        raise MalformedDelivery(f"the payload has no {key!r}")
    return document[key]


def _list(document: Json, key: str) -> list[Any]:
    value = document.get(key) if isinstance(document, Mapping) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedDelivery(f"{key!r} must be a list")
    return value
