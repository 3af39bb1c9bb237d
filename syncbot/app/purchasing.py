"""Purchasing use cases: suppliers, purchase orders and receipts, for every surface.

Plain values in (costs as text or Decimal, dates as `date` or YYYY-MM-DD), read models
out (`purchasing_views`). Refusals are `ledger.purchasing.PurchasingError`s (its tree is
drawn there) and the ledger's own (UnknownSku, UnknownLocation, InvalidMovement,
CostError, IdempotencyConflict): all LedgerErrors, and nothing is written when one is
raised. Every posting names `purchase-orders/<number>` as its document. Wherever a SKU is
named, one of its barcodes will do (`barcodes.sku_named`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from syncbot.app import bundles
from syncbot.app.actor import Actor
from syncbot.app.barcodes import sku_named
from syncbot.app.purchasing_views import (
    IncomingLine,
    LineView,
    OrderSummary,
    OrderView,
    PurchaseResult,
    SupplierItemView,
    SupplierView,
)
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.purchasing import PurchaseStatus, PurchasingError, parse_date
from syncbot.store import purchase_orders as store_orders
from syncbot.store import purchasing_reads, receipts, suppliers
from syncbot.store.posting import PostingResult

__all__ = [
    "IncomingLine",
    "LineReceipt",
    "LineView",
    "OrderSummary",
    "OrderView",
    "PurchaseResult",
    "PurchaseStatus",
    "PurchasingError",
    "SupplierItemView",
    "SupplierView",
    "add_line",
    "add_supplier",
    "cancel",
    "close",
    "create_order",
    "edit_line",
    "incoming_by_order",
    "list_suppliers",
    "place_order",
    "purchase_order",
    "purchase_orders",
    "receive_all",
    "receive_line",
    "receive_lines",
    "remove_line",
    "set_supplier",
    "set_supplier_terms",
    "supplier",
]

Cost = str | int | Decimal


def _cost(value: Cost | None) -> Decimal | None:
    return None if value is None else parse_cost(value)


def _date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(value) if value.strip() else None


# Suppliers


async def add_supplier(name: str, lead_time_days: int = 0, note: str = "") -> SupplierView:
    """Raises SupplierExists, PurchasingInputError."""
    return SupplierView.of(await suppliers.add_supplier(name, lead_time_days, note))


async def set_supplier(
    name: str, lead_time_days: int | None = None, note: str | None = None
) -> SupplierView:
    """Changes the lead time or note; raises UnknownSupplier."""
    await suppliers.set_supplier(name, lead_time_days, note)
    return await supplier(name)


async def set_supplier_terms(
    name: str,
    sku: str,
    *,
    supplier_sku: str | None = None,
    minimum_order_quantity: int | None = None,
    case_pack: int | None = None,
    unit_cost: Cost | None = None,
) -> SupplierView:
    """A supplier's terms for one SKU (created on first use; what is not given is kept).
    Raises UnknownSupplier, UnknownSku, CostError, PurchasingInputError."""
    await suppliers.set_item(
        name,
        await sku_named(sku),
        supplier_sku=supplier_sku,
        minimum_order_quantity=minimum_order_quantity,
        case_pack=case_pack,
        last_unit_cost=_cost(unit_cost),
    )
    return await supplier(name)


async def supplier(name: str) -> SupplierView:
    """One supplier with its terms per SKU; raises UnknownSupplier."""
    row = await suppliers.supplier_named(name)
    return SupplierView.of(row, await suppliers.items_of(name))


async def list_suppliers() -> list[SupplierView]:
    """Every supplier by name (without terms: `supplier(name)` has them)."""
    return [SupplierView.of(row) for row in await suppliers.suppliers()]


# Orders


async def create_order(
    supplier: str,
    actor: Actor,
    *,
    location: str = DEFAULT_LOCATION,
    number: str | None = None,
    expected_on: date | str | None = None,
    note: str = "",
) -> OrderView:
    """A draft order, numbered PO-0001, PO-0002, … unless `number` is given. Raises
    UnknownSupplier, UnknownLocation, PurchaseOrderExists, PurchasingInputError."""
    row = await store_orders.create_order(
        supplier,
        location,
        number=number,
        expected_on=_date(expected_on),
        note=note,
        actor=actor.encode(),
    )
    return await purchase_order(row.number)


async def add_line(
    number: str, sku: str, quantity: int, actor: Actor, unit_cost: Cost | None = None
) -> PurchaseResult:
    """Adds a SKU to an open order at `unit_cost` (default: the supplier's last known cost);
    on a placed order its units are ordered at once. Raises LineExists, WrongState, …"""
    sku = await sku_named(sku)
    await bundles.refuse_stock([sku], "purchase")
    result = await store_orders.add_line(number, sku, quantity, _cost(unit_cost), actor.encode())
    return await _result(number, result)


async def edit_line(
    number: str,
    sku: str,
    actor: Actor,
    *,
    quantity: int | None = None,
    unit_cost: Cost | None = None,
) -> PurchaseResult:
    """A line's new quantity or cost; on a placed order incoming moves by the difference
    (purchase or purchase_cancel, one posting). Raises BelowReceived, LineNotOnOrder, …"""
    cost = _cost(unit_cost)
    sku = await sku_named(sku)
    result = await store_orders.edit_line(number, sku, quantity, cost, actor.encode())
    return await _result(number, result)


async def remove_line(number: str, sku: str) -> OrderView:
    """Removes a draft's line; raises WrongState once ordered (cancel the line instead)."""
    await store_orders.remove_line(number, await sku_named(sku))
    return await purchase_order(number)


async def place_order(number: str, actor: Actor) -> PurchaseResult:
    """draft → ordered: each line supplier → incoming at the order's location, one posting."""
    return await _result(number, await store_orders.place_order(number, actor.encode()))


async def cancel(number: str, actor: Actor, sku: str | None = None) -> PurchaseResult:
    """Cancels the rest of one line, or of the whole order (any open order): what is still
    incoming goes back to the supplier, in one posting."""
    sku = None if sku is None else await sku_named(sku)
    return await _result(number, await store_orders.cancel(number, sku, actor.encode()))


async def close(number: str) -> OrderView:
    """Closes a received or cancelled order; raises WrongState otherwise."""
    await store_orders.close(number)
    return await purchase_order(number)


# Receipts


async def receive_line(
    number: str,
    sku: str,
    quantity: int,
    actor: Actor,
    *,
    damaged: int = 0,
    unit_cost: Cost | None = None,
    key: str | None = None,
    force: bool = False,
) -> PurchaseResult:
    """Receives `quantity` of one line: incoming → available, `damaged` of them → damaged,
    at `unit_cost` (default the line's). More than is still open is refused (OverReceipt)
    unless `force`: the excess then comes from the supplier and counts as over-received.
    The same `key` with the same receipt records once (applied=False); with another, it
    raises IdempotencyConflict."""
    sku = await sku_named(sku)
    request = receipts.ReceiptRequest(sku, quantity, damaged, _cost(unit_cost), force)
    result = await receipts.receive(
        number, [request], actor=actor.encode(), key=key, key_namespace=actor.key_namespace
    )
    return await _result(number, result)


@dataclass(frozen=True)
class LineReceipt:
    """One line of a receipt that names several: units, of them damaged, and a unit cost
    (None: the line's own)."""

    sku: str
    quantity: int
    damaged: int = 0
    unit_cost: Cost | None = None


async def receive_lines(
    number: str, lines: Sequence[LineReceipt], actor: Actor, *, key: str | None = None
) -> PurchaseResult:
    """Receives several lines of one order in one posting, all or nothing (a form that
    receives a delivery). Over-receipts are refused; the same `key` records once."""
    requests = [
        receipts.ReceiptRequest(
            await sku_named(line.sku), line.quantity, line.damaged, _cost(line.unit_cost)
        )
        for line in lines
    ]
    result = await receipts.receive(
        number, requests, actor=actor.encode(), key=key, key_namespace=actor.key_namespace
    )
    return await _result(number, result)


async def receive_all(number: str, actor: Actor, *, key: str | None = None) -> PurchaseResult:
    """Receives every open line in full at its own cost, in one posting."""
    result = await receipts.receive(
        number, None, actor=actor.encode(), key=key, key_namespace=actor.key_namespace
    )
    return await _result(number, result)


# Reads


async def purchase_order(number: str) -> OrderView:
    """One order with its lines; raises UnknownPurchaseOrder."""
    row, lines = await purchasing_reads.order(number)
    return OrderView.of(row, lines)


async def purchase_orders(*, open_only: bool = False) -> list[OrderSummary]:
    """Orders newest first (open ones only when asked: draft, ordered, partially received)."""
    rows = await purchasing_reads.orders(open_only=open_only)
    totals = await purchasing_reads.line_totals([row.id for row in rows])
    return [
        OrderSummary(
            row.number,
            row.supplier.name,
            row.location_id,
            row.expected_on,
            PurchaseStatus(row.status),
            *totals.get(row.id, (0, 0, 0)),
        )
        for row in rows
    ]


async def incoming_by_order(sku: str | None = None) -> list[IncomingLine]:
    """What is incoming, per open order line: of one SKU or all, soonest expected first
    (undated last), then by order number. The sum per SKU and location equals incoming."""
    lines = await purchasing_reads.open_lines(sku)
    incoming = [
        IncomingLine(
            sku=line.sku_id,
            order=line.order.number,
            supplier=line.order.supplier.name,
            location=line.order.location_id,
            quantity=line.quantity - line.received - line.cancelled,
            expected_on=line.order.expected_on,
        )
        for line in lines
    ]
    return sorted(
        incoming, key=lambda i: (i.expected_on is None, i.expected_on or date.min, i.order)
    )


async def _result(number: str, result: PostingResult | None) -> PurchaseResult:
    applied = result is None or result.applied
    posting = None if result is None else result.posting
    return PurchaseResult(applied, posting, await purchase_order(number))
