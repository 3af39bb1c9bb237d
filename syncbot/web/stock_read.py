"""The stock read's answer: a SKU's quantities, and what is incoming on open purchase orders."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from syncbot.app import bundles, purchasing
from syncbot.app import stock as use_stock
from syncbot.web.bundles_api import BundleStockOut
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
    bundle: BundleStockOut | None = None
    """For a bundle: its availability per location and the component limiting it (its
    own quantities are all zero, as a bundle holds no stock); null for a plain SKU."""


async def stock_read(sku: str) -> StockReadOut:
    """Quantities per location and in total, and incoming by order; raises UnknownSku."""
    report = await use_stock.stock_card(sku)
    incoming = await purchasing.incoming_by_order(report.sku)
    bundle = await bundles.stock_of(report.sku)
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
        bundle=None if bundle is None else BundleStockOut.of(bundle),
    )
