"""The stock API's schemas: a movement request becomes one ledger entry; answers as JSON.

The handlers call the use cases in `syncbot.app`; these turn requests and answers into
and out of their plain values.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)
from pydantic_core import PydanticCustomError

from syncbot.app import catalogue
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.app.views import MovementView
from syncbot.ledger import (
    DEFAULT_LOCATION,
    Bucket,
    Count,
    Entry,
    InvalidMovement,
    MovementKind,
    Quantities,
    adjust,
    damage,
    receive,
    transfer,
    write_off,
)
from syncbot.ledger.costing import format_cost, parse_cost
from syncbot.ledger.limits import MAX_IDEMPOTENCY_KEY_LENGTH
from syncbot.web.fields import (
    Document,
    LocationName,
    Reason,
    SkuCode,
    ToLocation,
    documented,
    stored,
)

API_ACTOR = Actor.api()
# A client's key is stored behind "api:" (Actor.key_namespace), so the limit is shorter.
_KEY_LENGTH = MAX_IDEMPOTENCY_KEY_LENGTH - len(API_ACTOR.key_namespace)
IdempotencyKeyText = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(_KEY_LENGTH)),
    stored("idempotency_key", _KEY_LENGTH),
]


class ManualKind(StrEnum):
    """The kinds a person or a client records. Order kinds (order_commit, order_cancel,
    order_fulfil, return_*) come only from storefront intake, tied to their order: posted
    alone they would move committed units no order holds."""

    RECEIVE = "receive"
    DAMAGE = "damage"
    WRITE_OFF = "write_off"
    COUNT = "count"
    TRANSFER = "transfer"
    ADJUST = "adjust"


_ORDER_KINDS = frozenset(MovementKind) - frozenset(MovementKind(kind) for kind in ManualKind)


class MovementRequest(BaseModel):
    """One movement as an API client asks for it; the ledger's builders check the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: SkuCode
    location: LocationName = DEFAULT_LOCATION
    kind: ManualKind
    # Strict: 1.5, "3" and true are refused rather than quietly turned into a quantity.
    quantity: StrictInt
    reason: Reason = ""
    idempotency_key: IdempotencyKeyText | None = None
    force: StrictBool = False
    to_location: ToLocation | None = None
    bucket: Bucket | None = None
    document: Document = ""
    # A decimal string ("4.50") or a whole number; a JSON float is refused, as 0.1 is not
    # exact in binary. Receipts only.
    unit_cost: StrictStr | StrictInt | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _not_an_order_kind(cls, kind: object) -> object:
        if isinstance(kind, str) and kind in _ORDER_KINDS:
            raise PydanticCustomError(
                "order_kind",
                "kind {kind} comes only from storefront order intake or a purchase order, "
                "tied to its order; the API records receive, damage, write_off, count, "
                "transfer and adjust",
                {"kind": kind},
            )
        return kind


class QuantitiesOut(BaseModel):
    on_hand: int
    available: int
    committed: int
    damaged: int
    incoming: int

    @classmethod
    def of(cls, quantities: Quantities) -> QuantitiesOut:
        return cls(
            on_hand=quantities.on_hand,
            available=quantities.available,
            committed=quantities.committed,
            damaged=quantities.damaged,
            incoming=quantities.incoming,
        )


class StockOut(BaseModel):
    sku: str
    name: str
    reorder_point: int | None
    locations: dict[str, QuantitiesOut]
    total: QuantitiesOut
    average_cost: str = "0.00"
    """The moving average unit cost over all locations, a decimal string."""


class PositionOut(BaseModel):
    location: str
    bucket: str


class MovementOut(BaseModel):
    id: int
    posting: uuid.UUID
    kind: str
    sku: str
    quantity: int
    source: PositionOut
    destination: PositionOut
    reason: str
    actor: str
    document: str
    idempotency_key: str | None
    counted_on_hand: int | None
    reverses: int | None
    forced: bool
    occurred_at: datetime
    recorded_at: datetime
    unit_cost: str | None = None
    """The cost per unit it moved value at, as a decimal string; null if it moved none."""

    @classmethod
    def of(cls, row: MovementView) -> MovementOut:
        return cls(
            id=row.id,
            posting=row.posting,
            kind=row.kind,
            sku=row.sku,
            quantity=row.quantity,
            source=PositionOut(location=row.source_location, bucket=row.source_bucket),
            destination=PositionOut(
                location=row.destination_location, bucket=row.destination_bucket
            ),
            reason=row.reason,
            actor=row.actor,
            document=row.document,
            idempotency_key=row.idempotency_key,
            counted_on_hand=row.counted_on_hand,
            reverses=row.reverses,
            forced=row.forced,
            occurred_at=row.occurred_at,
            recorded_at=row.recorded_at,
            unit_cost=None if row.unit_cost is None else format_cost(row.unit_cost),
        )


class PostingOut(BaseModel):
    status: Literal["applied", "already_applied"]
    posting: uuid.UUID
    movements: list[MovementOut]
    stock: StockOut


def entry_for(request: MovementRequest) -> Entry:
    """The ledger entry a request asks for; raises InvalidMovement for a malformed one."""
    kind, sku, quantity, location = request.kind, request.sku, request.quantity, request.location
    reason, forced = request.reason, request.force
    if request.to_location is not None and kind is not ManualKind.TRANSFER:
        raise InvalidMovement("to_location belongs to a transfer only")
    if request.bucket is not None and kind is not ManualKind.ADJUST:
        raise InvalidMovement("bucket belongs to an adjustment only")
    if request.unit_cost is not None and kind is not ManualKind.RECEIVE:
        raise InvalidMovement("unit_cost belongs to a receipt only")
    if kind is ManualKind.RECEIVE:
        cost = None if request.unit_cost is None else parse_cost(request.unit_cost)
        return receive(sku, quantity, location, reason, unit_cost=cost)
    if kind is ManualKind.DAMAGE:
        return damage(sku, quantity, location, reason, forced=forced)
    if kind is ManualKind.WRITE_OFF:
        return write_off(sku, quantity, location, reason, forced=forced)
    if kind is ManualKind.ADJUST:
        bucket = request.bucket or Bucket.AVAILABLE
        return adjust(sku, quantity, reason, location, bucket, forced=forced)
    if kind is ManualKind.TRANSFER:
        if request.to_location is None:
            raise InvalidMovement("a transfer needs to_location")
        return transfer(sku, quantity, location, request.to_location, reason, forced=forced)
    count = Count(sku, quantity, location)
    return replace(count, reason=reason) if reason else count


async def record_movement(request: MovementRequest, actor: Actor = API_ACTOR) -> PostingOut:
    """Posts the request once per idempotency key; a replay answers with the first posting.

    Raises the ledger's errors. The stock is read after the commit, so it may already
    include postings made concurrently by others.
    """
    recorded = await use_stock.record(
        entry_for(request), actor, request.idempotency_key, request.document
    )
    return _answer(recorded)


async def record_reversal(movement_id: int, actor: Actor, role: Role, *, force: bool) -> PostingOut:
    """Reverses one movement, once, if the undo rule lets `role`; a repeat answers with the
    first reversal. Raises UndoRefused and the ledger's errors."""
    now = datetime.now(UTC)
    return _answer(await use_stock.undo(movement_id, actor, role, now, force=force))


def _answer(recorded: use_stock.Recorded) -> PostingOut:
    """The posting as recorded, and the stock of its SKU after it."""
    return PostingOut(
        status="applied" if recorded.applied else "already_applied",
        posting=recorded.posting,
        movements=[MovementOut.of(row) for row in recorded.rows],
        stock=stock_out(recorded.stock),
    )


class ParkedLineOut(BaseModel):
    channel: str
    order_id: str
    line_id: str
    sku: str
    quantity: int
    since: datetime
    reason: str
    """Why it is parked: no SKU, a SKU not in syncbot, or a value the store cannot hold."""


async def parked_lines() -> list[ParkedLineOut]:
    """Order and return lines waiting for their SKU to be added."""
    return [
        ParkedLineOut.model_validate(line, from_attributes=True)
        for line in await catalogue.parked_lines()
    ]


def stock_out(report: use_stock.StockReport) -> StockOut:
    return StockOut(
        sku=report.sku,
        name=report.name,
        reorder_point=report.reorder_point,
        locations={name: QuantitiesOut.of(q) for name, q in report.locations.items()},
        total=QuantitiesOut.of(report.total),
        average_cost=format_cost(report.average_cost),
    )


async def stock_report(sku: str) -> StockOut:
    """Quantities per location and in total; raises UnknownSku."""
    return stock_out(await use_stock.stock_card(sku))


async def movement_history(sku: str | None, limit: int) -> list[MovementOut]:
    """Movements newest first, of one SKU (raises UnknownSku) or of all."""
    return [MovementOut.of(row) for row in await use_stock.history(sku, limit)]
