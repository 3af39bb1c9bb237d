"""The read models the use cases answer with: plain frozen values, no ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from syncbot.ledger import Quantities

if TYPE_CHECKING:
    from syncbot.store import models


@dataclass(frozen=True)
class SkuView:
    code: str
    name: str
    reorder_point: int | None

    @classmethod
    def of(cls, row: models.Sku) -> SkuView:
        return cls(row.code, row.name, row.reorder_point)


@dataclass(frozen=True)
class SkuTotal:
    """A catalogue line: the SKU and its quantities over every location."""

    sku: SkuView
    total: Quantities


@dataclass(frozen=True)
class MovementView:
    id: int
    posting: uuid.UUID
    kind: str
    sku: str
    quantity: int
    source_location: str
    source_bucket: str
    destination_location: str
    destination_bucket: str
    reason: str
    actor: str
    document: str
    idempotency_key: str | None
    counted_on_hand: int | None
    reverses: int | None
    forced: bool
    occurred_at: datetime
    recorded_at: datetime
    unit_cost: Decimal | None = None
    """The cost per unit it moved value at (`ledger.costing`); None if it moved none."""
    value: int = 0
    """The change to its SKU's stock value, in millionths of the currency."""

    @classmethod
    def of(cls, row: models.Movement) -> MovementView:
        return cls(
            id=row.id,
            posting=row.posting,
            kind=row.kind,
            sku=row.sku_id,
            quantity=row.quantity,
            source_location=row.source_location,
            source_bucket=row.source_bucket,
            destination_location=row.destination_location,
            destination_bucket=row.destination_bucket,
            reason=row.reason,
            actor=row.actor,
            document=row.document,
            idempotency_key=row.idempotency_key,
            counted_on_hand=row.counted_on_hand,
            reverses=row.reverses,
            forced=row.forced,
            occurred_at=row.occurred_at,
            recorded_at=row.recorded_at,
            unit_cost=None if row.unit_cost is None else Decimal(row.unit_cost),
            value=row.value,
        )


@dataclass(frozen=True)
class ParkedLineView:
    """An order or return line waiting for its SKU to be added."""

    channel: str
    order_id: str
    line_id: str
    sku: str
    quantity: int
    since: datetime
    reason: str
    """Why it is parked: no SKU, a SKU not in syncbot, or a value the store cannot hold."""

    @classmethod
    def of(cls, row: models.ParkedLine) -> ParkedLineView:
        return cls(
            channel=row.channel,
            order_id=row.order_id,
            line_id=row.line_id,
            sku=row.sku,
            quantity=row.quantity,
            since=row.created_at,
            reason=row.reason,
        )
