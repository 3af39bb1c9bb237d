"""Demand: the units a movement sold, for the daily history forecasts are made from.

Units sold are order units committed (an order taken is demand, whether or not it has
shipped yet), net of cancellations and returns. A fulfilment sells nothing more: its units
were counted when they were committed. A reversal moves its kind's route backwards, so it
counts with the opposite sign. Every other kind (receipts, damage, counts, transfers,
purchase orders) is not demand.

The channel is read from the order's document (`shopify/orders/1001` → `shopify`); a sale
with no order document (a reversal a person posted, say) counts under no channel ("").
"""

from __future__ import annotations

from syncbot.ledger.movements import ROUTES, Movement, MovementKind
from syncbot.ledger.quantities import REAL_BUCKETS

# Each kind's sign along its route: + sells, − gives back.
_SOLD = {
    MovementKind.ORDER_COMMIT: 1,
    MovementKind.ORDER_CANCEL: -1,
    MovementKind.RETURN_RESTOCK: -1,
    MovementKind.RETURN_DAMAGED: -1,
}
DEMAND_KINDS = frozenset(str(kind) for kind in _SOLD)
ORDER_DOCUMENT = "/orders/"


def units_sold(movement: Movement) -> int:
    """The units `movement` adds to demand (negative: it gives some back)."""
    buckets = (str(movement.source.bucket), str(movement.destination.bucket))
    return sold(str(movement.kind), buckets, movement.quantity)


def sold(kind: str, buckets: tuple[str, str], quantity: int) -> int:
    """`units_sold` of a movement as stored: its kind, (source, destination) buckets and
    quantity."""
    if kind not in DEMAND_KINDS:
        return 0
    movement_kind = MovementKind(kind)
    sign = _SOLD[movement_kind]
    forwards = buckets == tuple(str(bucket) for bucket in ROUTES[movement_kind])
    return sign * quantity if forwards else -sign * quantity


def location_of(source: tuple[str, str], destination: tuple[str, str]) -> str:
    """Where the demand was: the location of the real bucket the order took from or gave
    back to. `source` and `destination` are (location, bucket)."""
    real = {str(bucket) for bucket in REAL_BUCKETS}
    return source[0] if source[1] in real else destination[0]


def channel_of(document: str) -> str:
    """The channel an order document names, or "" when it names none."""
    channel, found, _ = document.partition(ORDER_DOCUMENT)
    return channel if found and channel else ""
