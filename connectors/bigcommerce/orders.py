"""BigCommerce V2 orders, their products and V3 refunds as syncbot order events: pure, no I/O.

Per order (V2 Orders, https://developer.bigcommerce.com/docs/rest-management/orders):
- `status_id` 0, Incomplete ("the shopper reached the payment page but did not complete
  the transaction"), is not an order yet: no event;
- 5 Cancelled and 6 Declined are cancelled; so is 4 Refunded, which a merchant also sets
  by hand after refunding outside BigCommerce: none of its units will ship;
- `date_modified` (RFC 2822, UTC) is the snapshot's time.

Per order product (`GET /v2/orders/{id}/products`), one line keyed by the product's `id`:
- quantity: `quantity`; fulfilled: `quantity_shipped`, except in a Shipped (2) or
  Completed (10) order, where every unit not refunded has left: a merchant can mark an
  order Completed without creating a shipment, and `quantity_shipped` then stays 0;
- current: `quantity` less the refunded units that had not shipped. `quantity_refunded`
  counts shipped units too, and those are no longer open either way.

Refunds (`GET /v3/orders/{id}/payment_actions/refunds`) record no restock decision:
BigCommerce's refund items have no such field, its docs answer "Will a refunded item be
returned to inventory? No" (https://developer.bigcommerce.com/docs/store-operations/orders/refunds)
and its Help Center lists "automatic restocking of inventory when a refund is performed is
not supported". So a refunded unit that never shipped is CANCEL and one that shipped is
NO_RESTOCK; a unit that comes back is received in syncbot, where the stock is counted.
Which refunded units had shipped is not recorded either: refunds are read in id order and
take the units not shipped first (refunding what has not left is the common case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from connectors.base import MalformedDelivery
from connectors.bigcommerce.payloads import Order, Product, Refund
from connectors.payloads import read
from syncbot.ledger.orders import (
    Disposition,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
)

Json = Mapping[str, Any]

INCOMPLETE = 0
SHIPPED, REFUNDED, CANCELLED, DECLINED, COMPLETED = 2, 4, 5, 6, 10
CLOSED_STATUSES = frozenset({REFUNDED, CANCELLED, DECLINED})
LEFT_STATUSES = frozenset({SHIPPED, COMPLETED})


def order_events(
    order: Json,
    products: Sequence[Json],
    refunds: Sequence[Json] = (),
    *,
    location: str,
    refund_id: object = None,
) -> list[OrderEvent]:
    """The order's snapshot, then the return of `refund_id` if one is named."""
    typed = read(Order, order, "the order")
    lines = [read(Product, product, f"order product {n}") for n, product in enumerate(products)]
    events: list[OrderEvent] = []
    if (current := snapshot(typed, lines, location)) is not None:
        events.append(current)
    if refund_id is not None:
        every = [read(Refund, refund, f"refund {n}") for n, refund in enumerate(refunds)]
        refunded = refund_return(typed, lines, every, refund_id, location)
        if refunded is not None:
            events.append(refunded)
    return events


def snapshot(
    order: Json | Order, products: Sequence[Json | Product], location: str
) -> OrderSnapshot | None:
    """What the order holds now; None while it is Incomplete."""
    typed = order if isinstance(order, Order) else read(Order, order, "the order")
    status = typed.status_id
    if status == INCOMPLETE:
        return None
    lines = []
    for found in products:
        product = found if isinstance(found, Product) else read(Product, found, "order product")
        quantity, shipped, refunded = _quantities(product)
        current = max(quantity - refunded, shipped)
        fulfilled = current if status in LEFT_STATUSES else shipped
        lines.append(
            OrderLine(
                line_id=product.id,
                sku=product.sku or "",
                quantity=quantity,
                current=current,
                fulfilled=fulfilled,
                location=location,
            )
        )
    return OrderSnapshot(
        order_id=typed.id,
        updated_at=parse_time(typed.date_modified),
        lines=tuple(lines),
        cancelled=status in CLOSED_STATUSES,
    )


def refund_return(
    order: Json | Order,
    products: Sequence[Json | Product],
    refunds: Sequence[Json | Refund],
    refund_id: object,
    location: str,
) -> OrderReturn | None:
    """The product lines of one refund, each CANCEL or NO_RESTOCK (see the module docstring)."""
    typed = order if isinstance(order, Order) else read(Order, order, "the order")
    lines = [p if isinstance(p, Product) else read(Product, p, "order product") for p in products]
    every = [r if isinstance(r, Refund) else read(Refund, r, "refund") for r in refunds]
    wanted = str(refund_id)
    by_id = {product.id: product for product in lines}
    unshipped = {}
    for line_id, product in by_id.items():
        quantity, shipped, _ = _quantities(product)
        unshipped[line_id] = quantity - shipped
    for refund in sorted(every, key=lambda refund: int(refund.id)):
        returned: list[ReturnLine] = []
        for item in refund.items:
            if item.item_type != "PRODUCT":
                continue  # shipping, fees, order level: no stock moves
            if item.item_id is None or item.quantity is None:
                raise MalformedDelivery(
                    f"refund {refund.id}: a PRODUCT item needs item_id and quantity"
                )
            line_id, units = item.item_id, item.quantity
            cancelled = min(units, max(0, unshipped.get(line_id, 0)))
            unshipped[line_id] = unshipped.get(line_id, 0) - cancelled
            sku = (by_id[line_id].sku if line_id in by_id else None) or ""
            for disposition, count in (
                (Disposition.CANCEL, cancelled),
                (Disposition.NO_RESTOCK, units - cancelled),
            ):
                if count > 0:
                    returned.append(
                        ReturnLine(
                            return_line_id=f"refund-{refund.id}-{line_id}-{disposition}",
                            line_id=line_id,
                            sku=sku,
                            quantity=count,
                            disposition=disposition,
                            location=location,
                        )
                    )
        if refund.id == wanted:
            return OrderReturn(typed.id, tuple(returned)) if returned else None
    return None


def parse_time(value: object) -> datetime:
    """V2's RFC 2822 dates ("Wed, 05 Dec 2018 20:16:55 +0000"), always aware."""
    if not isinstance(value, str):
        raise MalformedDelivery(f"expected an RFC 2822 date, got {str(value)[:80]!r}")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError) as error:
        raise MalformedDelivery(f"not an RFC 2822 date: {value[:80]!r}") from error
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """A cursor as V2's min_date_modified takes it (RFC 2822)."""
    return format_datetime(moment.astimezone(UTC))


def _quantities(product: Product) -> tuple[int, int, int]:
    """Ordered, shipped and refunded units, the last two capped at what was ordered."""
    quantity = product.quantity
    shipped = min(product.quantity_shipped or 0, quantity)
    refunded = min(product.quantity_refunded or 0, quantity)
    return quantity, shipped, refunded
