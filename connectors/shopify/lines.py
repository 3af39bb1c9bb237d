"""The one form Shopify's two order shapes reduce to, and how it becomes order events.

REST webhooks and GraphQL reads each become items, shipments and refund lines (below);
`events` turns those into the snapshot and its return events, so a webhook and a catch-up
of the same order meet the same state. connectors.shopify.orders says how each maps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import MalformedDelivery
from connectors.shopify.payloads import numeric_id
from syncbot.ledger.orders import (
    Disposition,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
)

ORDER_LIST_LIMIT = 5
"""fulfillments and refunds have no pageInfo: a full list may mean more."""
DISPOSITIONS = {"RESTOCKED": Disposition.RESTOCK, "NOT_RESTOCKED": Disposition.DAMAGED}
"""A Return's disposition types that put units somewhere; MISSING and the like do not."""
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

    @property
    def names(self) -> tuple[str, ...]:
        """The syncbot locations the channel's orders can land in: the default, then the
        mapped ones in the order the channels file gives them."""
        return tuple(dict.fromkeys([self.default, *self.by_shopify_id.values()]))


@dataclass(frozen=True, slots=True)
class Item:
    line_id: str
    sku: str
    quantity: int
    current: int | None


@dataclass(frozen=True, slots=True)
class Shipment:
    line_id: str
    quantity: int
    location: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Refunded:
    refund_line_id: str
    line_id: str
    quantity: int
    restock_type: str
    location: str | None
    from_return: bool


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with a zone (REST: -04:00, GraphQL: Z), in UTC."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedDelivery(f"{str(value)[:80]!r} is not a time") from None
    if moment.tzinfo is None:
        raise MalformedDelivery(f"{str(value)[:80]!r} has no time zone")
    return moment.astimezone(UTC)


def events(
    order_id: str,
    updated_at: datetime,
    cancelled: bool,
    items: Sequence[Item],
    shipments: Sequence[Shipment],
    refunds: Sequence[Sequence[Refunded]],
    places: LocationMap,
) -> list[OrderEvent]:
    skus = {item.line_id: item.sku for item in items}
    every_refund = [line for refund in refunds for line in refund]
    lines = tuple(_line(item, shipments, every_refund, places) for item in items)
    events: list[OrderEvent] = [OrderSnapshot(order_id, updated_at, lines, cancelled)]
    for refund in refunds:
        if returned := return_lines(refund, skus, places):
            events.append(OrderReturn(order_id, returned))
    return events


def _line(
    item: Item, shipments: Sequence[Shipment], refunds: Sequence[Refunded], places: LocationMap
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


def return_lines(
    refund: Iterable[Refunded], skus: Mapping[str, str], places: LocationMap
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
