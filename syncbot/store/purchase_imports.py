"""Draft orders from an import, written in one transaction: all of them or none.

The caller (`app.purchasing_import`) has checked every row and named its line; this
checks again under the orders' locks, so a change made meanwhile refuses the whole
import instead of writing half of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger.purchasing import LineExists, PurchaseOrderExists, PurchaseStatus
from syncbot.store.purchase_orders import lock_order, require
from syncbot.store.purchasing_models import PurchaseOrder, PurchaseOrderLine, Supplier


@dataclass(frozen=True, slots=True)
class DraftLine:
    sku: str
    quantity: int
    unit_cost: Decimal


@dataclass(frozen=True, slots=True)
class DraftOrder:
    """New lines for order `number`: a new draft (`supplier` set) or an existing draft."""

    number: str
    supplier: str | None
    location: str
    expected_on: date | None
    lines: tuple[DraftLine, ...]


async def write_drafts(orders: list[DraftOrder], actor: str) -> None:
    """Creates the new orders and adds every line, in one transaction."""
    try:
        async with in_transaction() as connection:
            for draft in orders:
                if draft.supplier is not None:
                    supplier = await Supplier.get(name=draft.supplier, using_db=connection)
                    order = await PurchaseOrder.create(
                        number=draft.number,
                        supplier=supplier,
                        location_id=draft.location,
                        expected_on=draft.expected_on,
                        actor=actor,
                        status=PurchaseStatus.DRAFT,
                        using_db=connection,
                    )
                    taken: set[str] = set()
                else:
                    order, lines = await lock_order(connection, draft.number)
                    require(order, frozenset({PurchaseStatus.DRAFT}), "importing lines")
                    taken = {line.sku_id for line in lines}
                for line in draft.lines:
                    if line.sku in taken:
                        raise LineExists(draft.number, line.sku)
                await PurchaseOrderLine.bulk_create(
                    [
                        PurchaseOrderLine(
                            order=order,
                            sku_id=line.sku,
                            quantity=line.quantity,
                            unit_cost=line.unit_cost,
                        )
                        for line in draft.lines
                    ],
                    using_db=connection,
                )
    except IntegrityError as error:  # an order created meanwhile with one of the numbers
        raise PurchaseOrderExists(", ".join(d.number for d in orders)) from error
