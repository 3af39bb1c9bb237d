"""How the command line shows suppliers and purchase orders: rich tables, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from syncbot.app.purchasing_views import IncomingLine, OrderSummary, OrderView, SupplierView
from syncbot.ledger.costing import format_cost


def supplier_table(suppliers: Iterable[SupplierView]) -> Table:
    table = Table(title="suppliers", title_justify="left")
    table.add_column("name")
    table.add_column("lead time (days)", justify="right")
    table.add_column("note")
    for supplier in suppliers:
        table.add_row(supplier.name, str(supplier.lead_time_days), supplier.note)
    return table


def terms_table(supplier: SupplierView) -> Table:
    """A supplier's terms per SKU."""
    table = Table(
        title=f"{supplier.name}: lead time {supplier.lead_time_days} days", title_justify="left"
    )
    table.add_column("sku")
    table.add_column("supplier sku")
    table.add_column("minimum", justify="right")
    table.add_column("case pack", justify="right")
    table.add_column("last unit cost", justify="right")
    for item in supplier.items:
        cost = "" if item.last_unit_cost is None else format_cost(item.last_unit_cost)
        table.add_row(
            item.sku, item.supplier_sku, str(item.minimum_order_quantity), str(item.case_pack), cost
        )
    return table


def order_title(order: OrderView) -> str:
    expected = f", expected {order.expected_on}" if order.expected_on else ""
    note = f" ({order.note})" if order.note else ""
    return f"{order.number} {order.status}: {order.supplier} → {order.location}{expected}{note}"


def order_table(order: OrderView) -> Table:
    """An order's lines: what was ordered, received, cancelled and is still open."""
    table = Table(title=order_title(order), title_justify="left")
    table.add_column("sku")
    for name in ("ordered", "unit cost", "received", "damaged", "over", "cancelled", "open"):
        table.add_column(name, justify="right")
    for line in order.lines:
        table.add_row(
            line.sku,
            str(line.quantity),
            format_cost(line.unit_cost),
            str(line.received),
            str(line.received_damaged),
            str(line.over_received),
            str(line.cancelled),
            str(line.open),
        )
    return table


def orders_table(orders: Iterable[OrderSummary]) -> Table:
    table = Table(title="purchase orders, newest first", title_justify="left")
    table.add_column("number")
    table.add_column("status")
    table.add_column("supplier")
    table.add_column("location")
    table.add_column("expected")
    table.add_column("lines", justify="right")
    table.add_column("ordered", justify="right")
    table.add_column("received", justify="right")
    for order in orders:
        table.add_row(
            order.number,
            str(order.status),
            order.supplier,
            order.location,
            "" if order.expected_on is None else order.expected_on.isoformat(),
            str(order.lines),
            str(order.ordered),
            str(order.received),
        )
    return table


def incoming_table(incoming: Iterable[IncomingLine]) -> Table:
    """What is incoming of one SKU, per open order line, soonest expected first."""
    table = Table(title="incoming on open purchase orders", title_justify="left")
    table.add_column("order")
    table.add_column("supplier")
    table.add_column("location")
    table.add_column("quantity", justify="right")
    table.add_column("expected")
    for line in incoming:
        expected = "" if line.expected_on is None else line.expected_on.isoformat()
        table.add_row(line.order, line.supplier, line.location, str(line.quantity), expected)
    return table
