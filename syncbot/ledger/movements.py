"""Double-entry movements: a positive quantity of one SKU moves from one bucket to another.

Invariant: every movement takes from exactly one position what it gives to another, so the
sum over all buckets of a SKU is zero after any sequence of movements.

This module holds what a movement is and how it is checked; `routes` builds one of each
kind, and a count (`Count`) becomes one at posting time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from syncbot.ledger.errors import InvalidMovement
from syncbot.ledger.quantities import (
    DEFAULT_LOCATION,
    REAL_BUCKETS,
    Bucket,
    Quantities,
    Totals,
    bucket_totals,
)

# A movement of more than this is a typo, not a shipment; it would also overflow nothing,
# but catching it here gives the person a clear error instead of a silly balance.
MAX_QUANTITY = 1_000_000_000


class MovementKind(StrEnum):
    RECEIVE = "receive"
    DAMAGE = "damage"
    WRITE_OFF = "write_off"
    COUNT = "count"
    ORDER_COMMIT = "order_commit"
    ORDER_CANCEL = "order_cancel"
    ORDER_FULFIL = "order_fulfil"
    RETURN_RESTOCK = "return_restock"
    RETURN_DAMAGED = "return_damaged"
    TRANSFER = "transfer"
    ADJUST = "adjust"
    PURCHASE = "purchase"
    PURCHASE_CANCEL = "purchase_cancel"


# Orders record what happened at a storefront; reality wins, so they are never refused for
# lack of stock (an oversell event is raised instead). Counts state reality too.
UNGUARDED_KINDS = frozenset(
    {
        MovementKind.ORDER_COMMIT,
        MovementKind.ORDER_CANCEL,
        MovementKind.ORDER_FULFIL,
        MovementKind.RETURN_RESTOCK,
        MovementKind.RETURN_DAMAGED,
        MovementKind.COUNT,
    }
)

# The one bucket pair each fixed kind moves along; transfer, adjust and count are free-form.
ROUTES: dict[MovementKind, tuple[Bucket, Bucket]] = {
    MovementKind.RECEIVE: (Bucket.SUPPLIER, Bucket.AVAILABLE),
    MovementKind.DAMAGE: (Bucket.AVAILABLE, Bucket.DAMAGED),
    MovementKind.WRITE_OFF: (Bucket.DAMAGED, Bucket.SCRAP),
    MovementKind.ORDER_COMMIT: (Bucket.AVAILABLE, Bucket.COMMITTED),
    MovementKind.ORDER_CANCEL: (Bucket.COMMITTED, Bucket.AVAILABLE),
    MovementKind.ORDER_FULFIL: (Bucket.COMMITTED, Bucket.CUSTOMER),
    MovementKind.RETURN_RESTOCK: (Bucket.CUSTOMER, Bucket.AVAILABLE),
    MovementKind.RETURN_DAMAGED: (Bucket.CUSTOMER, Bucket.DAMAGED),
    # A purchase order: ordering moves units to incoming, cancelling the rest moves them back.
    MovementKind.PURCHASE: (Bucket.SUPPLIER, Bucket.INCOMING),
    MovementKind.PURCHASE_CANCEL: (Bucket.INCOMING, Bucket.SUPPLIER),
}
# Routes a kind may take besides its own: a receipt against a purchase order comes out of
# incoming, and units that arrived damaged go straight to damaged.
OTHER_ROUTES: dict[MovementKind, frozenset[tuple[Bucket, Bucket]]] = {
    MovementKind.RECEIVE: frozenset(
        {
            (Bucket.SUPPLIER, Bucket.DAMAGED),
            (Bucket.INCOMING, Bucket.AVAILABLE),
            (Bucket.INCOMING, Bucket.DAMAGED),
        }
    ),
}


def routes_of(kind: MovementKind) -> frozenset[tuple[Bucket, Bucket]]:
    """Every (source, destination) a kind moves along forwards; empty for free-form kinds."""
    route = ROUTES.get(kind)
    return OTHER_ROUTES.get(kind, frozenset()) | ({route} if route else set())


@dataclass(frozen=True, slots=True, order=True)
class Position:
    location: str
    bucket: Bucket


@dataclass(frozen=True, slots=True)
class Movement:
    """One double-entry line. Construct it through the builders in `routes`, which name the
    route."""

    sku: str
    kind: MovementKind
    quantity: int
    source: Position
    destination: Position
    reason: str = ""
    forced: bool = False
    counted_on_hand: int | None = None
    reverses: int | None = None
    unit_cost: Decimal | None = None
    """What a unit cost, for a receipt that names it; others move at the average."""

    def __post_init__(self) -> None:
        check_quantity(self.quantity)
        if not self.sku.strip():
            raise InvalidMovement("the SKU must not be empty")
        if self.source == self.destination:
            raise InvalidMovement("a movement needs two different positions")
        routes = routes_of(self.kind)
        buckets = (self.source.bucket, self.destination.bucket)
        backwards = buckets[::-1] in routes
        if routes and buckets not in routes and not backwards:
            route = ROUTES[self.kind]
            raise InvalidMovement(f"{self.kind} moves {route[0]} → {route[1]}, not {buckets}")
        if self.kind is MovementKind.TRANSFER and buckets != (Bucket.AVAILABLE, Bucket.AVAILABLE):
            raise InvalidMovement("a transfer moves available stock between locations")
        if backwards and buckets not in routes and self.reverses is None:
            raise InvalidMovement(f"{self.kind} runs backwards only as a reversal")
        if self.unit_cost is not None and (
            self.kind is not MovementKind.RECEIVE or self.unit_cost < 0
        ):
            raise InvalidMovement("only a receipt names a unit cost, and it is not negative")

    @property
    def guarded(self) -> bool:
        """Whether taking from the source may not go below zero."""
        # Units leaving incoming for a purchase order are guarded by the order's line, which
        # knows what is still expected; a receipt is never refused for the incoming balance.
        from_order = self.source.bucket is Bucket.INCOMING and self.kind is not MovementKind.ADJUST
        return (
            not self.forced
            and self.kind not in UNGUARDED_KINDS
            and self.source.bucket in REAL_BUCKETS
            and not from_order
        )

    def deltas(self) -> dict[Position, int]:
        return {self.source: -self.quantity, self.destination: self.quantity}

    def content(self) -> dict[str, Any]:
        """What makes two postings "the same" for idempotency: not who or when."""
        return {
            "sku": self.sku,
            "kind": str(self.kind),
            "quantity": self.quantity,
            "source": [self.source.location, str(self.source.bucket)],
            "destination": [self.destination.location, str(self.destination.bucket)],
            "reason": self.reason,
            "counted_on_hand": self.counted_on_hand,
            "reverses": self.reverses,
            # Only when named, so keys stored before costing existed still match.
            **({} if self.unit_cost is None else {"unit_cost": str(self.unit_cost)}),
        }


def check_quantity(quantity: object) -> int:
    """A quantity is a positive integer of sane size; bools and floats are refused."""
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidMovement(f"quantity must be a whole number, got {quantity!r}")
    if quantity <= 0:
        raise InvalidMovement(f"quantity must be positive, got {quantity}")
    if quantity > MAX_QUANTITY:
        raise InvalidMovement(f"quantity {quantity} is larger than the limit of {MAX_QUANTITY}")
    return quantity


@dataclass(frozen=True, slots=True)
class Count:
    """A cycle count states on_hand; the movement is the difference, known only at posting time."""

    sku: str
    counted_on_hand: int
    location: str = DEFAULT_LOCATION
    reason: str = "cycle count"

    def __post_init__(self) -> None:
        if not isinstance(self.counted_on_hand, int) or isinstance(self.counted_on_hand, bool):
            raise InvalidMovement(f"a count must be a whole number, got {self.counted_on_hand!r}")
        if self.counted_on_hand < 0:
            raise InvalidMovement(f"a count cannot be negative, got {self.counted_on_hand}")
        if self.counted_on_hand > MAX_QUANTITY:
            raise InvalidMovement(f"a count of {self.counted_on_hand} is beyond the limit")

    def resolve(self, current: Quantities) -> Movement | None:
        """The difference to or from count difference, taken on available; None if it matches."""
        difference = self.counted_on_hand - current.on_hand
        if difference == 0:
            return None
        shelf = Position(self.location, Bucket.AVAILABLE)
        outside = Position(self.location, Bucket.COUNT_DIFFERENCE)
        source, destination = (outside, shelf) if difference > 0 else (shelf, outside)
        return Movement(
            sku=self.sku,
            kind=MovementKind.COUNT,
            quantity=abs(difference),
            source=source,
            destination=destination,
            reason=self.reason,
            counted_on_hand=self.counted_on_hand,
        )

    def content(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "kind": "count",
            "counted_on_hand": self.counted_on_hand,
            "location": self.location,
            "reason": self.reason,
        }


Entry = Movement | Count
"""What a caller posts: concrete movements, or counts resolved inside the transaction."""


def replay(movements: Iterable[Movement]) -> dict[tuple[str, Position], int]:
    """Balances from history alone: the reference that stored balances must equal."""
    balances: dict[tuple[str, Position], int] = {}
    for movement in movements:
        for position, delta in movement.deltas().items():
            key = (movement.sku, position)
            balances[key] = balances.get(key, 0) + delta
    return balances


def total_changes(movements: Iterable[Movement]) -> dict[str, Totals]:
    """How each SKU's totals over all locations change: a transfer changes none."""
    changes: dict[str, Totals] = {}
    for movement in movements:
        change = bucket_totals(movement.destination.bucket, movement.quantity) + bucket_totals(
            movement.source.bucket, -movement.quantity
        )
        changes[movement.sku] = changes.get(movement.sku, Totals()) + change
    return {sku: change for sku, change in changes.items() if change}
