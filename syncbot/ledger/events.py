"""What the ledger tells the rest of the system after a posting: consumed by sync and alerts.

The domain only derives events from balances; the store persists them in the outbox in
the same transaction, so a consumer that dies loses none of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from syncbot.ledger.movements import Movement
from syncbot.ledger.quantities import REAL_BUCKETS, Bucket, Quantities


class EventName(StrEnum):
    """Every outbox event's name, for the writers (store, sync) and the readers (sync's
    change watcher, the Slack alerts) alike: the stored value is the string."""

    STOCK_CHANGED = "stock_changed"
    OVERSOLD = "oversold"
    BELOW_REORDER_POINT = "below_reorder_point"
    LISTING_QUARANTINED = "listing_quarantined"
    """A per-item error stopped one listing's sync until it is released."""
    SYNC_FAILING = "sync_failing"
    """A channel failed `REPEATED_FAILURES` syncs in a row."""
    DRIFT_RECORDED = "drift_recorded"
    """A hold ran out: the channel took units no ingested order explains."""
    PUSH_ABANDONED = "push_abandoned"
    """A batch the channel refused whole too often: read again and re-planned."""
    RECIPE_CHANGED = "recipe_changed"
    """A bundle's recipe was set, replaced or removed: its listings are planned again."""


@dataclass(frozen=True, slots=True)
class StockChanged:
    sku: str
    location: str
    before: Quantities
    after: Quantities


@dataclass(frozen=True, slots=True)
class Oversold:
    """Available went below zero: a channel sold what the warehouse does not have."""

    sku: str
    location: str
    available: int


@dataclass(frozen=True, slots=True)
class BelowReorderPoint:
    """Available over all locations crossed down to or below the SKU's reorder point."""

    sku: str
    available: int
    reorder_point: int


Event = StockChanged | Oversold | BelowReorderPoint


def event_name(event: Event) -> EventName:
    return {
        StockChanged: EventName.STOCK_CHANGED,
        Oversold: EventName.OVERSOLD,
        BelowReorderPoint: EventName.BELOW_REORDER_POINT,
    }[type(event)]


def event_payload(event: Event) -> dict[str, Any]:
    """The event's fields as JSON-ready values, with on_hand beside the buckets it sums.

    Written out rather than `dataclasses.asdict`, whose deep copies were a quarter of a
    large posting's Python time (an opening stock import writes one event per receipt)."""
    if isinstance(event, StockChanged):
        return {
            "sku": event.sku,
            "location": event.location,
            "before": _quantities(event.before),
            "after": _quantities(event.after),
        }
    return {field.name: getattr(event, field.name) for field in fields(event)}


def _quantities(quantities: Quantities) -> dict[str, int]:
    return {
        "available": quantities.available,
        "committed": quantities.committed,
        "damaged": quantities.damaged,
        "incoming": quantities.incoming,
        "on_hand": quantities.on_hand,
    }


def coalesce(events: Sequence[Event]) -> list[Event]:
    """The events of postings recorded one after another in one transaction, as the outbox
    keeps them: each SKU and location's stock changes once, where it first changed, from
    that change's before to the last one's after (and not at all if they are equal); every
    other event as it came, in order.

    The stock changes are read only for which SKUs changed (sync's change watcher), so one
    row per SKU and location says all they said: a batch of 1,000 orders over 200 SKUs
    wrote 2,000 outbox rows in its transaction, a third of the rows it inserted. The
    postings' own results keep every event."""
    kept: list[Event] = []
    changed: dict[tuple[str, str], int] = {}  # where each SKU and location's change is kept
    for event in events:
        if not isinstance(event, StockChanged):
            kept.append(event)
        elif (at := changed.get((event.sku, event.location))) is None:
            changed[(event.sku, event.location)] = len(kept)
            kept.append(event)
        else:
            first = kept[at]
            assert isinstance(first, StockChanged)
            kept[at] = StockChanged(event.sku, event.location, first.before, event.after)
    return [e for e in kept if not (isinstance(e, StockChanged) and e.before == e.after)]


def real_deltas(movements: Sequence[Movement]) -> dict[tuple[str, str], Quantities]:
    """Per SKU and location, how much each real bucket changed."""
    changes: dict[tuple[str, str], dict[Bucket, int]] = {}
    for movement in movements:
        for position, delta in movement.deltas().items():
            if position.bucket in REAL_BUCKETS:
                buckets = changes.setdefault((movement.sku, position.location), {})
                buckets[position.bucket] = buckets.get(position.bucket, 0) + delta
    return {key: Quantities.from_buckets(buckets) for key, buckets in changes.items()}


def derive_events(
    movements: Sequence[Movement],
    after: Mapping[tuple[str, str], Quantities],
    reorder_points: Mapping[str, int | None],
) -> list[Event]:
    """Events implied by a posting, given the balances just after it.

    `after` holds every location of each touched SKU, so totals over locations are exact.
    """
    events: list[Event] = []
    changes = real_deltas(movements)
    total_change: dict[str, int] = {}
    for (sku, location), change in sorted(changes.items()):
        now = after[(sku, location)]
        before = Quantities(
            available=now.available - change.available,
            committed=now.committed - change.committed,
            damaged=now.damaged - change.damaged,
            incoming=now.incoming - change.incoming,
        )
        if before != now:
            events.append(StockChanged(sku, location, before, now))
        if change.available < 0 and now.available < 0:
            events.append(Oversold(sku, location, now.available))
        total_change[sku] = total_change.get(sku, 0) + change.available
    dropped = {
        sku: (drop, point)
        for sku, drop in sorted(total_change.items())
        if drop < 0 and (point := reorder_points.get(sku)) is not None
    }
    if not dropped:
        return events
    # Each SKU's total over its locations, summed once: per SKU, a 10,000-line stock-take
    # summed `after` 10,000 times (3.2 s).
    available: dict[str, int] = dict.fromkeys(dropped, 0)
    for (sku, _), quantities in after.items():
        if sku in available:
            available[sku] += quantities.available
    for sku, (drop, point) in dropped.items():
        if available[sku] <= point < available[sku] - drop:
            events.append(BelowReorderPoint(sku, available[sku], point))
    return events
