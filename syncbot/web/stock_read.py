"""The stock read's answer: a SKU's quantities, and what is incoming on open purchase orders."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from syncbot.app import purchasing
from syncbot.app import stock as use_stock
from syncbot.web.schemas import StockOut, stock_out


class IncomingOut(BaseModel):
    """Units of the SKU still expected on one open purchase order line."""

    order: str
    """The order's number; its page is /purchase-orders/{order}."""
    supplier: str
    location: str
    quantity: int
    """Ordered − received − cancelled."""
    expected_on: date | None


class StockReadOut(StockOut):
    incoming: list[IncomingOut]
    """Open order lines of the SKU, soonest expected first (undated last); per location,
    their quantities add up to its `incoming`."""


async def stock_read(sku: str) -> StockReadOut:
    """Quantities per location and in total, and incoming by order; raises UnknownSku."""
    report = await use_stock.stock_card(sku)
    incoming = await purchasing.incoming_by_order(report.sku)
    return StockReadOut(
        **dict(stock_out(report)),
        incoming=[
            IncomingOut(
                order=line.order,
                supplier=line.supplier,
                location=line.location,
                quantity=line.quantity,
                expected_on=line.expected_on,
            )
            for line in incoming
        ],
    )
