"""The purchasing API's schemas: requests for suppliers, orders and receipts; answers as JSON.

Money crosses the wire as a decimal string ("4.50") or a whole number, never a JSON float
(0.1 is not exact in binary); dates as YYYY-MM-DD. Both are read by the use cases, whose
refusals (CostError, PurchasingInputError) answer 422 naming the value.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.json_schema import SkipJsonSchema

from syncbot.app.purchase_order_pages import line_value, order_value
from syncbot.app.purchasing_views import (
    LineView,
    OrderSummary,
    OrderView,
    SupplierItemView,
    SupplierView,
)
from syncbot.app.views import MovementView
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import format_cost
from syncbot.ledger.limits import MAX_NAME_LENGTH, MAX_QUANTITY
from syncbot.ledger.purchasing import MAX_LEAD_TIME_DAYS, MAX_NOTE_LENGTH, PurchaseStatus
from syncbot.web.fields import LocationName, SkuCode, documented, stored
from syncbot.web.schemas import IdempotencyKeyText, MovementOut

Cost = Annotated[
    StrictStr | StrictInt,
    Field(description='A decimal string such as "4.50", or a whole number; never a float.'),
]
DateText = Annotated[
    StrictStr, Field(json_schema_extra={"format": "date"}, description="YYYY-MM-DD")
]
SupplierName = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("supplier", MAX_NAME_LENGTH),
]
MAX_NUMBER_LENGTH = 64
OrderNumber = Annotated[
    str,
    Field(
        min_length=1, max_length=MAX_NUMBER_LENGTH, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/#+-]{0,63}$"
    ),
]
Note = Annotated[
    str, Field(json_schema_extra=documented(MAX_NOTE_LENGTH)), stored("note", MAX_NOTE_LENGTH)
]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]
LeadTime = Annotated[StrictInt, Field(ge=0, le=MAX_LEAD_TIME_DAYS)]


class _Body(BaseModel):
    # A misspelt field ("quantiy") is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")


class SupplierRequest(_Body):
    name: SupplierName
    lead_time_days: LeadTime = 0
    note: Note = ""


class SupplierChange(_Body):
    lead_time_days: LeadTime | SkipJsonSchema[None] = None
    note: Note | SkipJsonSchema[None] = None


class TermsRequest(_Body):
    """A supplier's terms for one SKU; what is left out is kept."""

    supplier_sku: Annotated[str, Field(max_length=MAX_NAME_LENGTH)] | SkipJsonSchema[None] = None
    minimum_order_quantity: Count | SkipJsonSchema[None] = None
    case_pack: Count | SkipJsonSchema[None] = None
    unit_cost: Cost | SkipJsonSchema[None] = None


class OrderRequest(_Body):
    supplier: SupplierName
    location: LocationName = DEFAULT_LOCATION
    number: OrderNumber | SkipJsonSchema[None] = None
    """Left out: the next PO-0001, PO-0002, …"""
    expected_on: DateText | SkipJsonSchema[None] = None
    note: Note = ""


class LineRequest(_Body):
    sku: SkuCode
    quantity: Quantity
    unit_cost: Cost | SkipJsonSchema[None] = None
    """Left out: the supplier's last known cost for the SKU."""


class LineChange(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    quantity: Count | SkipJsonSchema[None] = None
    unit_cost: Cost | SkipJsonSchema[None] = None


class ReceiptRequest(_Body):
    sku: SkuCode
    quantity: Quantity
    damaged: Count = 0
    """Of `quantity`, the units that arrived damaged: they go to the damaged bucket."""
    unit_cost: Cost | SkipJsonSchema[None] = None
    """Left out: the line's unit cost."""
    idempotency_key: IdempotencyKeyText | SkipJsonSchema[None] = None
    """The same key with the same receipt records once; with another, 409."""
    force: StrictBool = False
    """Receive more than is still expected: the excess is recorded as an over-receipt."""


class ReceiveAllRequest(_Body):
    idempotency_key: IdempotencyKeyText | SkipJsonSchema[None] = None


class CancelRequest(_Body):
    sku: SkuCode | SkipJsonSchema[None] = None
    """One line's rest; left out: the rest of the whole order."""


class SupplierTermsOut(BaseModel):
    sku: str
    supplier_sku: str
    minimum_order_quantity: int
    case_pack: int
    last_unit_cost: str | None

    @classmethod
    def of(cls, item: SupplierItemView) -> SupplierTermsOut:
        cost = None if item.last_unit_cost is None else format_cost(item.last_unit_cost)
        return cls(
            sku=item.sku,
            supplier_sku=item.supplier_sku,
            minimum_order_quantity=item.minimum_order_quantity,
            case_pack=item.case_pack,
            last_unit_cost=cost,
        )


class SupplierOut(BaseModel):
    name: str
    lead_time_days: int
    note: str
    items: list[SupplierTermsOut]
    """Terms per SKU (empty in the list: read one supplier for them)."""

    @classmethod
    def of(cls, view: SupplierView) -> SupplierOut:
        items = [SupplierTermsOut.of(item) for item in view.items]
        return cls(name=view.name, lead_time_days=view.lead_time_days, note=view.note, items=items)


class LineOut(BaseModel):
    sku: str
    quantity: int
    unit_cost: str
    received: int
    received_damaged: int
    over_received: int
    cancelled: int
    open: int
    """Still expected: quantity − received − cancelled (in incoming once ordered)."""
    value: str
    """quantity × unit_cost."""

    @classmethod
    def of(cls, line: LineView) -> LineOut:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            unit_cost=format_cost(line.unit_cost),
            received=line.received,
            received_damaged=line.received_damaged,
            over_received=line.over_received,
            cancelled=line.cancelled,
            open=line.open,
            value=format_cost(line_value(line)),
        )


class OrderOut(BaseModel):
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
    document: str
    """The source document every movement of the order carries."""
    lines: list[LineOut]
    value: str
    """The order's total at its lines' unit costs."""

    @classmethod
    def of(cls, view: OrderView) -> OrderOut:
        return cls(
            number=view.number,
            supplier=view.supplier,
            location=view.location,
            expected_on=view.expected_on,
            note=view.note,
            status=view.status,
            actor=view.actor,
            created_at=view.created_at,
            updated_at=view.updated_at,
            ordered_at=view.ordered_at,
            document=view.document,
            lines=[LineOut.of(line) for line in view.lines],
            value=format_cost(order_value(view)),
        )


class OrderSummaryOut(BaseModel):
    number: str
    supplier: str
    location: str
    expected_on: date | None
    status: PurchaseStatus
    lines: int
    ordered: int
    received: int

    @classmethod
    def of(cls, row: OrderSummary) -> OrderSummaryOut:
        return cls(
            number=row.number,
            supplier=row.supplier,
            location=row.location,
            expected_on=row.expected_on,
            status=row.status,
            lines=row.lines,
            ordered=row.ordered,
            received=row.received,
        )


class PurchaseOut(BaseModel):
    """What a change did: `applied` false for a receipt key used before (nothing new)."""

    status: str
    """applied or already_applied."""
    posting: uuid.UUID | None
    """The ledger posting it made; null when it moved no units (a draft's line)."""
    movements: list[MovementOut]
    """That posting's movements, with their ids (a replay: the first attempt's)."""
    order: OrderOut

    @classmethod
    def of(
        cls, applied: bool, posting: uuid.UUID | None, rows: list[MovementView], view: OrderView
    ) -> PurchaseOut:
        return cls(
            status="applied" if applied else "already_applied",
            posting=posting,
            movements=[MovementOut.of(row) for row in rows],
            order=OrderOut.of(view),
        )
