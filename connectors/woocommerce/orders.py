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
Bodies are read against connectors.woocommerce.payloads: a shape error is a
MalformedDelivery naming the field ("line_items.0.quantity: expected a whole number").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import MalformedDelivery, body_digest, fitted_event_id
from connectors.payloads import decode, plain_id, read
from connectors.woocommerce.payloads import LineItem, Meta, Order, Refund
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
MAX_UNITS_GIVEN_BACK = 10_000
"""Shipped units refunded on one line are return lines one unit each (see above)."""


@dataclass(frozen=True, slots=True)
class _Refunded:
    refund_line_id: str
    line_id: str
    quantity: int
    at: datetime


def resource_id(value: object) -> str:
    """123 and "123" are "123"; anything else is not a WooCommerce id."""
    try:
        return str(plain_id(value))
    except ValueError as error:
        raise MalformedDelivery(f"not a WooCommerce id: {error}") from None


def parse_gmt(value: object) -> datetime:
    """A `*_gmt` date: ISO 8601 without a zone, meaning UTC (a zone, if any, is honoured)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedDelivery(f"{str(value)[:80]!r} is not a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def modified_at(document: Json | Order) -> datetime:
    order = document if isinstance(document, Order) else read(Order, document, "the order")
    if order.date_modified_gmt is None:
        raise MalformedDelivery("the order: 'date_modified_gmt' is missing")
    return parse_gmt(order.date_modified_gmt)


def is_draft(order: Json) -> bool:
    return order.get("status") in DRAFT_STATUSES


def has_refunds(order: Json) -> bool:
    return bool(read(Order, order, "the order").refunds)


def event_id(topic: str, body: bytes, delivery_id: str | None) -> str:
    """A webhook's Delivery.event_id: the resource id and the time it was saved.

    X-WC-Webhook-Delivery-ID is new on every attempt, so it cannot deduplicate. A body
    with neither (or not JSON at all) is keyed by a digest of topic and body: it is
    stored, never refused, and parse says what is wrong with it.
    """
    resource, _, event = topic.partition(".")
    try:
        document = json.loads(body)
        prefix = f"{resource}-{resource_id(document['id'])}"
        if event == "deleted" or document.get("date_modified_gmt") is None:
            # The body of a deletion is the id alone: each attempt is a new delivery, and
            # reading the order again makes a repeat harmless.
            key = f"{prefix}@{event}/{delivery_id or body_digest(topic, body)}"
        else:
            key = (
                f"{prefix}@{parse_gmt(document['date_modified_gmt']).strftime('%Y-%m-%dT%H:%M:%S')}"
            )
    except (ValueError, RecursionError, TypeError, KeyError, AttributeError, MalformedDelivery):
        return body_digest(topic, body)
    return fitted_event_id(key)


def json_object(body: bytes, topic: str) -> dict[str, Any]:
    document = decode(body, topic)
    if not isinstance(document, dict):
        raise MalformedDelivery(f"a {topic} body must be a JSON object")
    return document


def order_events(order: Json, refunds: Sequence[Json], location: str) -> list[OrderEvent]:
    """An order's snapshot, then one return event for its refunded units, if any.

    `refunds` is what GET /orders/{id}/refunds answered (empty when the order lists none);
    refunds created after the order's date_modified_gmt are left to a later snapshot.
    """
    typed = read(Order, order, "the order")
    status = typed.status
    if status in DRAFT_STATUSES:
        return []
    completed_at = _optional_time(typed.date_completed_gmt)
    shipped = status == "completed" or (status == "refunded" and completed_at is not None)
    cancelled = status in RELEASED_STATUSES or (status == "refunded" and not shipped)

    def after_shipping(refund: _Refunded) -> bool:
        return shipped and (completed_at is None or refund.at >= completed_at)

    updated_at = modified_at(typed)
    # A refund newer than the snapshot goes with a later snapshot's restock total and
    # status; read with this one, it could be judged against the wrong completion.
    every_refund = [refund for refund in _refunded_units(refunds) if refund.at <= updated_at]
    lines: list[OrderLine] = []
    returned: list[ReturnLine] = []
    for item in typed.line_items:
        line, back = _line(item, every_refund, after_shipping, shipped, location)
        lines.append(line)
        returned += back
    events: list[OrderEvent] = [OrderSnapshot(typed.id, updated_at, tuple(lines), cancelled)]
    if returned:
        events.append(OrderReturn(typed.id, tuple(returned)))
    return events


def _line(
    item: LineItem,
    every_refund: Sequence[_Refunded],
    after_shipping: Callable[[_Refunded], bool],
    shipped: bool,
    location: str,
) -> tuple[OrderLine, list[ReturnLine]]:
    """One order line's snapshot line and the return lines of its refunded units."""
    line_id, sku, quantity = item.id, item.sku or "", item.quantity
    mine = [refund for refund in every_refund if refund.line_id == line_id]
    unshipped = [refund for refund in mine if not after_shipping(refund)]
    never_shipped = sum(refund.quantity for refund in unshipped)
    shipped_back = sum(refund.quantity for refund in mine) - never_shipped
    if shipped_back > MAX_UNITS_GIVEN_BACK:
        raise MalformedDelivery(
            f"line {line_id}: {shipped_back} shipped units refunded, more than the "
            f"{MAX_UNITS_GIVEN_BACK} syncbot records one by one; reconcile it by hand"
        )
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
    for index, document in enumerate(refunds):
        refund = read(Refund, document, f"refund {index}")
        at = parse_gmt(refund.date_created_gmt)
        for line in refund.line_items:
            if not line.quantity:
                continue  # money back on a line, no units
            refunded_item = _meta(line.meta_data, REFUNDED_ITEM_META)
            if refunded_item is None:
                raise MalformedDelivery(
                    f"refund line {line.id} has no {REFUNDED_ITEM_META}: "
                    "syncbot cannot tell which order line it refunds"
                )
            line_id = resource_id(refunded_item)
            found.append(_Refunded(line.id, line_id, abs(line.quantity), at))
    return found


def _restocked(item: LineItem) -> int:
    value = _meta(item.meta_data, RESTOCKED_META)
    return 0 if value is None else _count(value, RESTOCKED_META)


def _meta(entries: Sequence[Meta], key: str) -> object:
    return next((entry.value for entry in entries if entry.key == key), None)


def _count(value: object, name: str) -> int:
    """A whole number >= 0; meta values arrive as strings ("2")."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDelivery(f"{name!r} must be a whole number >= 0, not {str(value)[:80]!r}")
    return value


def _optional_time(value: object) -> datetime | None:
    return None if value in (None, "") else parse_gmt(value)
