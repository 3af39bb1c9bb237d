"""Reads of purchasing: orders with their lines, and what is incoming on which order."""

from __future__ import annotations

from syncbot.ledger.purchasing import OPEN_STATUSES, UnknownPurchaseOrder
from syncbot.store.models import Location
from syncbot.store.purchasing_models import PurchaseOrder, PurchaseOrderLine

# Orders whose lines may still hold units in incoming.
_PLACED_OPEN = ("ordered", "partially_received")


async def order(number: str) -> tuple[PurchaseOrder, list[PurchaseOrderLine]]:
    """One order with its supplier, and its lines by SKU; raises UnknownPurchaseOrder."""
    found = await PurchaseOrder.filter(number=number).select_related("supplier").first()
    if found is None:
        raise UnknownPurchaseOrder(number)
    lines = await PurchaseOrderLine.filter(order_id=found.id).order_by("sku_id")
    return found, list(lines)


async def orders(*, open_only: bool = False, limit: int = 500) -> list[PurchaseOrder]:
    """Orders newest first, with their suppliers; only open ones when asked."""
    query = PurchaseOrder.all()
    if open_only:
        query = query.filter(status__in=[str(status) for status in OPEN_STATUSES])
    return await query.select_related("supplier").order_by("-id").limit(limit)


async def line_totals(order_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per order: lines, units ordered, units received (within the order)."""
    totals: dict[int, tuple[int, int, int]] = {}
    for line in await PurchaseOrderLine.filter(order_id__in=order_ids):
        count, ordered, received = totals.get(line.order_id, (0, 0, 0))
        totals[line.order_id] = (count + 1, ordered + line.quantity, received + line.received)
    return totals


async def open_lines(sku: str | None = None) -> list[PurchaseOrderLine]:
    """Lines of placed, open orders with units still expected, of one SKU or of all, by
    expected date (undated last), then order number; each with its order and supplier."""
    query = PurchaseOrderLine.filter(order__status__in=_PLACED_OPEN)
    if sku is not None:
        query = query.filter(sku_id=sku)
    lines = await query.select_related("order", "order__supplier").order_by("order__number")
    return [line for line in lines if line.quantity - line.received - line.cancelled > 0]


async def location_exists(name: str) -> bool:
    return await Location.exists(name=name)
