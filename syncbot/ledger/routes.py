"""Builders of movements, one per kind: each names the route its kind moves along, so a
caller says "a damage of 2" and never picks buckets by hand."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from syncbot.ledger.errors import InvalidMovement
from syncbot.ledger.movements import ROUTES, Movement, MovementKind, Position, check_quantity
from syncbot.ledger.quantities import DEFAULT_LOCATION, REAL_BUCKETS, Bucket


def _route(
    kind: MovementKind,
    sku: str,
    quantity: int,
    location: str,
    reason: str,
    *,
    forced: bool = False,
) -> Movement:
    source, destination = ROUTES[kind]
    return Movement(
        sku=sku,
        kind=kind,
        quantity=quantity,
        source=Position(location, source),
        destination=Position(location, destination),
        reason=reason,
        forced=forced,
    )


def receive(
    sku: str,
    quantity: int,
    location: str = DEFAULT_LOCATION,
    reason: str = "",
    *,
    unit_cost: Decimal | None = None,
    ordered: bool = False,
    damaged: bool = False,
) -> Movement:
    """Units arriving: from the supplier, or out of incoming when they were `ordered`; to
    available, or to damaged when they arrived `damaged`; at `unit_cost` when known."""
    return Movement(
        sku=sku,
        kind=MovementKind.RECEIVE,
        quantity=quantity,
        source=Position(location, Bucket.INCOMING if ordered else Bucket.SUPPLIER),
        destination=Position(location, Bucket.DAMAGED if damaged else Bucket.AVAILABLE),
        reason=reason,
        unit_cost=unit_cost,
    )


def purchase(
    sku: str, quantity: int, location: str = DEFAULT_LOCATION, reason: str = ""
) -> Movement:
    """Units ordered from a supplier: expected at `location`, not yet on hand."""
    return _route(MovementKind.PURCHASE, sku, quantity, location, reason)


def purchase_cancel(
    sku: str, quantity: int, location: str = DEFAULT_LOCATION, reason: str = ""
) -> Movement:
    """Ordered units that will not come: out of incoming, back to the supplier."""
    return _route(MovementKind.PURCHASE_CANCEL, sku, quantity, location, reason)


def damage(
    sku: str,
    quantity: int,
    location: str = DEFAULT_LOCATION,
    reason: str = "",
    *,
    forced: bool = False,
) -> Movement:
    return _route(MovementKind.DAMAGE, sku, quantity, location, reason, forced=forced)


def write_off(
    sku: str,
    quantity: int,
    location: str = DEFAULT_LOCATION,
    reason: str = "",
    *,
    forced: bool = False,
) -> Movement:
    return _route(MovementKind.WRITE_OFF, sku, quantity, location, reason, forced=forced)


def order_commit(sku: str, quantity: int, location: str = DEFAULT_LOCATION) -> Movement:
    return _route(MovementKind.ORDER_COMMIT, sku, quantity, location, "order placed")


def order_cancel(sku: str, quantity: int, location: str = DEFAULT_LOCATION) -> Movement:
    return _route(MovementKind.ORDER_CANCEL, sku, quantity, location, "order cancelled")


def order_fulfil(sku: str, quantity: int, location: str = DEFAULT_LOCATION) -> Movement:
    return _route(MovementKind.ORDER_FULFIL, sku, quantity, location, "order fulfilled")


def return_restock(sku: str, quantity: int, location: str = DEFAULT_LOCATION) -> Movement:
    return _route(MovementKind.RETURN_RESTOCK, sku, quantity, location, "returned, restocked")


def return_damaged(sku: str, quantity: int, location: str = DEFAULT_LOCATION) -> Movement:
    return _route(MovementKind.RETURN_DAMAGED, sku, quantity, location, "returned damaged")


def transfer(
    sku: str,
    quantity: int,
    from_location: str,
    to_location: str,
    reason: str = "",
    *,
    forced: bool = False,
) -> Movement:
    return Movement(
        sku=sku,
        kind=MovementKind.TRANSFER,
        quantity=quantity,
        source=Position(from_location, Bucket.AVAILABLE),
        destination=Position(to_location, Bucket.AVAILABLE),
        reason=reason,
        forced=forced,
    )


def adjust(
    sku: str,
    change: int,
    reason: str,
    location: str = DEFAULT_LOCATION,
    bucket: Bucket = Bucket.AVAILABLE,
    *,
    forced: bool = False,
) -> Movement:
    """A signed correction of one real bucket; it always needs a reason."""
    if not reason.strip():
        raise InvalidMovement("an adjustment needs a reason")
    if bucket not in REAL_BUCKETS:
        raise InvalidMovement(f"only real buckets can be adjusted, not {bucket}")
    if isinstance(change, int) and not isinstance(change, bool) and change == 0:
        raise InvalidMovement("an adjustment of 0 changes nothing")
    quantity = check_quantity(abs(change) if isinstance(change, int) else change)
    inside = Position(location, bucket)
    outside = Position(location, Bucket.ADJUSTMENT)
    source, destination = (outside, inside) if change > 0 else (inside, outside)
    return Movement(
        sku=sku,
        kind=MovementKind.ADJUST,
        quantity=quantity,
        source=source,
        destination=destination,
        reason=reason,
        forced=forced,
    )


def reverse(movement: Movement, movement_id: int, reason: str = "") -> Movement:
    """The correction of a recorded movement: the same route, backwards.

    The reversal is guarded on its own merits: forcing the original does not force it.
    """
    return replace(
        movement,
        source=movement.destination,
        destination=movement.source,
        reason=reason or f"reversal of movement {movement_id}",
        reverses=movement_id,
        counted_on_hand=None,
        forced=False,
    )
