"""The read models of purchasing: suppliers, orders, lines and incoming stock by order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from syncbot.ledger.purchasing import PurchaseStatus

if TYPE_CHECKING:
    from syncbot.store.purchasing_models import (
        PurchaseOrder,
        PurchaseOrderLine,
        Supplier,
        SupplierItem,
    )


@dataclass(frozen=True)
class SupplierItemView:
    """A supplier's terms for one SKU."""

    sku: str
    supplier_sku: str
    minimum_order_quantity: int
    case_pack: int
    last_unit_cost: Decimal | None

    @classmethod
    def of(cls, row: SupplierItem) -> SupplierItemView:
        cost = None if row.last_unit_cost is None else Decimal(row.last_unit_cost)
        return cls(row.sku_id, row.supplier_sku, row.minimum_order_quantity, row.case_pack, cost)


@dataclass(frozen=True)
class SupplierView:
    name: str
    lead_time_days: int
    note: str
    items: tuple[SupplierItemView, ...] = ()

    @classmethod
    def of(cls, row: Supplier, items: list[SupplierItem] | None = None) -> SupplierView:
        terms = tuple(SupplierItemView.of(item) for item in items or [])
        return cls(row.name, row.lead_time_days, row.note, terms)


@dataclass(frozen=True)
class LineView:
    """One SKU on an order; `open` is what is still expected (in incoming once ordered)."""

    sku: str
    quantity: int
    unit_cost: Decimal
    received: int
    received_damaged: int
    over_received: int
    cancelled: int

    @property
    def open(self) -> int:
        return self.quantity - self.received - self.cancelled

    @classmethod
    def of(cls, row: PurchaseOrderLine) -> LineView:
        return cls(
            sku=row.sku_id,
            quantity=row.quantity,
            unit_cost=Decimal(row.unit_cost),
            received=row.received,
            received_damaged=row.received_damaged,
            over_received=row.over_received,
            cancelled=row.cancelled,
        )


@dataclass(frozen=True)
class OrderView:
    """A purchase order and its lines, by SKU."""

    number: str
    supplier: str
    location: str
    expected_on: date | None
    note: str
    status: PurchaseStatus
    actor: str
    created_at: datetime
    updated_at: datetime
    ordered_at: datetime | None
    lines: tuple[LineView, ...]

    @property
    def document(self) -> str:
        """The source document its movements carry: `purchase-orders/<number>`."""
        return f"purchase-orders/{self.number}"

    @classmethod
    def of(cls, row: PurchaseOrder, lines: list[PurchaseOrderLine]) -> OrderView:
        return cls(
            number=row.number,
            supplier=row.supplier.name,
            location=row.location_id,
            expected_on=row.expected_on,
            note=row.note,
            status=PurchaseStatus(row.status),
            actor=row.actor,
            created_at=row.created_at,
            updated_at=row.updated_at,
            ordered_at=row.ordered_at,
            lines=tuple(LineView.of(line) for line in lines),
        )


@dataclass(frozen=True)
class OrderSummary:
    """A line of the order list."""

    number: str
    supplier: str
    location: str
    expected_on: date | None
    status: PurchaseStatus
    lines: int
    ordered: int
    received: int


@dataclass(frozen=True)
class IncomingLine:
    """Units of a SKU expected on one open purchase order line."""

    sku: str
    order: str
    supplier: str
    location: str
    quantity: int
    """What is still expected: ordered − received − cancelled."""
    expected_on: date | None


@dataclass(frozen=True)
class PurchaseResult:
    """What a change to an order did, and the order right after it."""

    applied: bool
    """False when a receipt key was used before for the same receipt: nothing new."""
    posting: uuid.UUID | None
    """The ledger posting it made, if it moved any units."""
    order: OrderView
