"""What the API and the console show of a purchase order beyond its read model: what its
lines are worth at their costs, and the movements one action posted."""

from __future__ import annotations

import uuid
from decimal import Decimal

from syncbot.app.purchasing_views import LineView, OrderView
from syncbot.app.views import MovementView
from syncbot.store import stock as store_stock


def line_value(line: LineView) -> Decimal:
    """What the line's ordered units cost at its unit cost (exact: a Decimal product)."""
    return line.quantity * line.unit_cost


def order_value(order: OrderView) -> Decimal:
    """The order's total at its lines' costs."""
    return sum((line_value(line) for line in order.lines), Decimal(0))


async def posted_movements(posting: uuid.UUID | None) -> list[MovementView]:
    """The movements one posting recorded, as stored with their ids (none: nothing moved)."""
    if posting is None:
        return []
    return [MovementView.of(row) for row in await store_stock.posting_movements(posting)]
