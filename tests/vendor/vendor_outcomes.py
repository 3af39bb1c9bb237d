"""What a storefront delivery does once read: applied, parked or ignored, with its reason.

The connector's `parse` gives order events; the pure ledger fold (`apply_event`) turns
them into movements, as intake does, without a database. A line intake would park (no
SKU, or one the store cannot hold) is reported parked with intake's reason. A delivery
is never refused or failed here: that is what these tests prove.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncbot.ledger.limits import MAX_SKU_LENGTH, text_problem
from syncbot.ledger.orders import OrderEvent, OrderReturn, OrderSnapshot, OrderState, apply_event

VENDOR = Path(__file__).parent


def body(storefront: str, name: str) -> bytes:
    """The file's bytes as the storefront sends them (compact JSON, as on the wire)."""
    document = json.loads((VENDOR / storefront / name).read_text())
    return json.dumps(document, separators=(",", ":")).encode()


def document(storefront: str, name: str) -> Any:
    return json.loads((VENDOR / storefront / name).read_text())


@dataclass
class Outcome:
    kind: str
    """applied, parked (some lines kept aside with a reason) or ignored."""
    movements: list[tuple[str, str, int]] = field(default_factory=list)
    """(kind, sku, quantity) as the fold posts them."""
    parked: list[str] = field(default_factory=list)
    reason: str = ""


def parking_reason(sku: str) -> str | None:
    """Why intake would park a line with this SKU, or None when it can be applied."""
    if not sku:
        return "the line has no SKU"
    return text_problem(sku, "sku", MAX_SKU_LENGTH)


def outcome(events: Sequence[OrderEvent], ignored_because: str = "") -> Outcome:
    """Folds the events from an empty ledger, as the first delivery of an order would."""
    if not events:
        return Outcome("ignored", reason=ignored_because or "no order event in it")
    states: dict[str, OrderState] = {}
    found = Outcome("applied")
    for event in events:
        lines = event.lines
        for line in lines:
            if (why := parking_reason(line.sku)) is not None:
                found.parked.append(f"{_line_id(event, line)}: {why}")
        applied = [line for line in lines if parking_reason(line.sku) is None]
        kept: OrderEvent = (
            OrderSnapshot(event.order_id, event.updated_at, tuple(applied), event.cancelled)  # type: ignore[arg-type]
            if isinstance(event, OrderSnapshot)
            else OrderReturn(event.order_id, tuple(applied))  # type: ignore[arg-type]
        )
        state, moved = apply_event(states.get(event.order_id, OrderState()), kept)
        states[event.order_id] = state
        found.movements += [(str(m.kind), m.sku, m.quantity) for m in moved]
    if found.parked:
        found.kind = "parked"
    return found


def _line_id(event: OrderEvent, line: object) -> str:
    if isinstance(event, OrderReturn):
        return f"return line {getattr(line, 'return_line_id', '?')}"
    return f"line {getattr(line, 'line_id', '?')}"
