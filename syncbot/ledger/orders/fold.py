"""Order reconciliation: a storefront's order snapshot becomes the movements not yet applied.

Orders are reconciled, not replayed. Each event says what an order looks like now; the
state says what the ledger has applied for each line; only the difference is posted. So a
duplicate posts nothing, events that arrive out of order converge, and a snapshot older
than the one applied is ignored.

Invariants, per line:
- committed for the line = units still open: ordered minus fulfilled, 0 once cancelled;
- units fulfilled only ever grow (a storefront never "unships");
- each return line moves stock once, whatever order it arrives in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from syncbot.ledger.errors import InvalidMovement
from syncbot.ledger.movements import Movement
from syncbot.ledger.quantities import DEFAULT_LOCATION
from syncbot.ledger.routes import (
    order_cancel,
    order_commit,
    order_fulfil,
    return_damaged,
    return_restock,
)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of a snapshot, in syncbot's terms (the connector maps ids and locations)."""

    line_id: str
    sku: str
    quantity: int
    """Units first ordered."""
    current: int
    """Units still on the order after edits, removals and cancelling refunds."""
    fulfilled: int
    location: str = DEFAULT_LOCATION

    def __post_init__(self) -> None:
        for name in ("quantity", "current", "fulfilled"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidMovement(f"line {self.line_id}: {name} must be a whole number >= 0")


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    order_id: str
    updated_at: datetime
    lines: tuple[OrderLine, ...]
    cancelled: bool = False


class Disposition(StrEnum):
    """What a refund or return decided for its units."""

    RESTOCK = "restock"  # fulfilled units came back to the shelf
    DAMAGED = "damaged"  # fulfilled units came back unsellable
    CANCEL = "cancel"  # unfulfilled units were never shipped: release them
    NO_RESTOCK = "no_restock"  # money back, nothing moves


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """One refund or return line; `return_line_id` is unique per storefront order."""

    return_line_id: str
    line_id: str
    sku: str
    quantity: int
    disposition: Disposition
    location: str = DEFAULT_LOCATION


@dataclass(frozen=True, slots=True)
class OrderReturn:
    """A refund or return of one order, as one storefront event delivers it."""

    order_id: str
    lines: tuple[ReturnLine, ...]


OrderEvent = OrderSnapshot | OrderReturn
"""What a connector turns a storefront delivery into."""


@dataclass(frozen=True, slots=True)
class LineState:
    """What the ledger has applied for one line, and the latest figures seen for it."""

    sku: str
    location: str = DEFAULT_LOCATION
    committed: int = 0
    fulfilled: int = 0
    quantity: int | None = None
    """None until a snapshot has shown the line (a refund may arrive first)."""
    current: int = 0
    refund_cancelled: int = 0

    def open_units(self, order_cancelled: bool) -> int:
        """Units the line should hold in committed."""
        if order_cancelled or self.quantity is None:
            return 0
        # A cancelling refund and the snapshot after it describe the same units: whichever
        # arrives first counts, the other is not subtracted twice.
        ordered = min(self.current, self.quantity - self.refund_cancelled)
        return max(0, ordered - self.fulfilled)


@dataclass(frozen=True, slots=True)
class OrderState:
    updated_at: datetime | None = None
    cancelled: bool = False
    lines: Mapping[str, LineState] = field(default_factory=dict)
    returns_applied: frozenset[str] = frozenset()


def apply_snapshot(state: OrderState, snapshot: OrderSnapshot) -> tuple[OrderState, list[Movement]]:
    """The state after a snapshot and the movements that get the ledger there.

    A snapshot older than the one applied changes nothing.
    """
    if state.updated_at is not None and snapshot.updated_at < state.updated_at:
        return state, []
    lines = dict(state.lines)
    movements: list[Movement] = []
    for line in snapshot.lines:
        before = lines.get(line.line_id) or LineState(sku=line.sku, location=line.location)
        seen = replace(before, quantity=line.quantity, current=line.current)
        after, moved = _reconcile(seen, line.fulfilled, line.location, snapshot.cancelled)
        lines[line.line_id] = after
        movements += moved
    new_state = replace(
        state, updated_at=snapshot.updated_at, cancelled=snapshot.cancelled, lines=lines
    )
    return new_state, movements


def apply_return(state: OrderState, line: ReturnLine) -> tuple[OrderState, list[Movement]]:
    """Moves a refund or return line's units once; a repeat changes nothing."""
    if line.return_line_id in state.returns_applied:
        return state, []
    lines = dict(state.lines)
    movements: list[Movement] = []
    if line.disposition is Disposition.RESTOCK:
        movements.append(return_restock(line.sku, line.quantity, line.location))
    elif line.disposition is Disposition.DAMAGED:
        movements.append(return_damaged(line.sku, line.quantity, line.location))
    elif line.disposition is Disposition.CANCEL:
        before = lines.get(line.line_id) or LineState(sku=line.sku, location=line.location)
        cancelled = replace(before, refund_cancelled=before.refund_cancelled + line.quantity)
        lines[line.line_id], movements = _reconcile(
            cancelled, cancelled.fulfilled, cancelled.location, state.cancelled
        )
    applied = state.returns_applied | {line.return_line_id}
    return replace(state, lines=lines, returns_applied=applied), movements


def apply_event(state: OrderState, event: OrderEvent) -> tuple[OrderState, list[Movement]]:
    """A snapshot, or each line of a return in turn: what a storefront event posts."""
    if isinstance(event, OrderSnapshot):
        return apply_snapshot(state, event)
    movements: list[Movement] = []
    for line in event.lines:
        state, moved = apply_return(state, line)
        movements += moved
    return state, movements


def _reconcile(
    line: LineState, fulfilled: int, location: str, order_cancelled: bool
) -> tuple[LineState, list[Movement]]:
    """Movements that bring one line's committed and fulfilled units to their targets."""
    movements: list[Movement] = []
    committed = line.committed
    if location != line.location and committed:
        # The storefront moved the line to another location: release it where it was held.
        movements.append(order_cancel(line.sku, committed, line.location))
        committed = 0
    shipped = fulfilled - line.fulfilled
    if shipped > 0:
        # Units fulfilled that were never seen open (an order created already fulfilled)
        # are committed first, so every unit leaves through committed.
        if shipped > committed:
            movements.append(order_commit(line.sku, shipped - committed, location))
            committed = shipped
        movements.append(order_fulfil(line.sku, shipped, location))
        committed -= shipped
    target = replace(line, fulfilled=max(fulfilled, line.fulfilled), location=location)
    opening = target.open_units(order_cancelled) - committed
    if opening > 0:
        movements.append(order_commit(line.sku, opening, location))
    elif opening < 0:
        movements.append(order_cancel(line.sku, -opening, location))
    return replace(target, committed=committed + opening), movements
