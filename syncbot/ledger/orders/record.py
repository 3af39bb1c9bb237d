"""An order's record: the whole reconciliation of a storefront order, event after event.

The store keeps one record per order and, for each event, only locks it, loads it, calls
`receive` and `settle` with the SKUs its catalogue knows, and saves what they return.

- **The newest snapshot wins.** It is kept whole (`latest`), so its lines whose SKU is
  unknown are applied the moment the SKU is added; an older snapshot changes nothing.
- **Return lines wait** for their SKU, and each applies once.
- **Lines the store cannot hold** (an over-long SKU, a NUL in it, a quantity over the
  ledger's limit) are refused with their reason and kept out of the snapshot: the rest of
  the order is applied.

Every line not applied is parked, with the reason a person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from syncbot.ledger.limits import (
    MAX_BIGINT,
    MAX_LINE_ID_LENGTH,
    MAX_ORDER_ID_LENGTH,
    MAX_QUANTITY,
    MAX_SKU_LENGTH,
    text_problem,
)
from syncbot.ledger.movements import Movement
from syncbot.ledger.orders.fold import (
    Disposition,
    LineState,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    OrderState,
    ReturnLine,
    apply_return,
    apply_snapshot,
)

RETURN = "return:"
"""A parked return line's id: its return line id behind this prefix."""


@dataclass(frozen=True, slots=True)
class ParkedLine:
    """A line not applied: its SKU is missing or unknown, or the store cannot hold it."""

    line_id: str
    sku: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderRecord:
    state: OrderState = field(default_factory=OrderState)
    latest: OrderSnapshot | None = None
    """The newest snapshot, without the lines the store cannot hold."""
    waiting: tuple[ReturnLine, ...] = ()
    """Return lines whose SKU is not known yet."""
    refused: Mapping[str, ParkedLine] = field(default_factory=dict)
    """Lines the store cannot hold, by parked line id, made storable (see `refuse`)."""


def id_problem(event: OrderEvent) -> str | None:
    """Why the store cannot hold the event's order or line ids, or None when it can."""
    problems = [text_problem(event.order_id, "order id", MAX_ORDER_ID_LENGTH)]
    for line in event.lines:
        problems.append(text_problem(line.line_id, "line id", MAX_LINE_ID_LENGTH))
        if isinstance(line, ReturnLine):
            limit = MAX_LINE_ID_LENGTH - len(RETURN)
            problems.append(text_problem(line.return_line_id, "return line id", limit))
    return next((problem for problem in problems if problem), None)


def unholdable(line: OrderLine | ReturnLine) -> str | None:
    """Why the store cannot hold this line, or None when it can."""
    if problem := text_problem(line.sku, "SKU", MAX_SKU_LENGTH):
        return problem
    figures = (
        (line.quantity, line.current, line.fulfilled)
        if isinstance(line, OrderLine)
        else (line.quantity,)
    )
    if (largest := max(figures)) > MAX_QUANTITY:
        return f"quantity {largest} is over the limit of {MAX_QUANTITY}"
    return None


def refuse(line_id: str, line: OrderLine | ReturnLine, reason: str) -> ParkedLine:
    """The line as a parked row can hold it: the reason keeps the exact figures."""
    quantity = line.current if isinstance(line, OrderLine) else line.quantity
    sku = line.sku.replace("\x00", "\\x00")[:MAX_SKU_LENGTH]
    return ParkedLine(line_id, sku, min(quantity, MAX_BIGINT), reason)


def receive(record: OrderRecord, event: OrderEvent | None) -> OrderRecord:
    """The record with the event taken in, nothing applied yet (None takes in nothing)."""
    if isinstance(event, OrderSnapshot):
        applied = record.state.updated_at
        if applied is not None and event.updated_at < applied:
            return record
        refused_lines = {
            line.line_id: refuse(line.line_id, line, why)
            for line in event.lines
            if (why := unholdable(line))
        }
        kept = tuple(line for line in event.lines if line.line_id not in refused_lines)
        # The returns refused earlier stay; the snapshot's own refusals are replaced.
        returns = {k: v for k, v in record.refused.items() if k.startswith(RETURN)}
        return replace(record, latest=replace(event, lines=kept), refused=returns | refused_lines)
    if isinstance(event, OrderReturn):
        seen = record.state.returns_applied | {line.return_line_id for line in record.waiting}
        waiting, refused = list(record.waiting), dict(record.refused)
        for line in event.lines:
            key = RETURN + line.return_line_id
            if line.return_line_id in seen or key in refused:
                continue
            if why := unholdable(line):
                refused[key] = refuse(key, line, why)
            else:
                waiting.append(line)
        return replace(record, waiting=tuple(waiting), refused=refused)
    return record


def skus(record: OrderRecord) -> set[str]:
    """The SKUs the record's lines name: those `settle` needs to know about."""
    lines: list[OrderLine | ReturnLine] = [
        *(record.latest.lines if record.latest else ()),
        *record.waiting,
    ]
    return {line.sku for line in lines if line.sku}


def settle(
    record: OrderRecord, known: set[str]
) -> tuple[OrderRecord, list[Movement], list[ParkedLine]]:
    """Reconciles the latest snapshot's known lines, then every return line now possible.

    Returns the new record, the movements to post and every line left parked.
    """
    state = record.state
    movements: list[Movement] = []
    if record.latest is not None:
        lines = tuple(line for line in record.latest.lines if line.sku in known)
        state, movements = apply_snapshot(state, replace(record.latest, lines=lines))
    still_waiting: list[ReturnLine] = []
    for line in record.waiting:
        if line.sku not in known:
            still_waiting.append(line)
            continue
        state, moved = apply_return(state, line)
        movements += moved
    settled = replace(record, state=state, waiting=tuple(still_waiting))
    parked = [
        ParkedLine(line.line_id, line.sku, line.current, _missing(line.sku))
        for line in (record.latest.lines if record.latest else ())
        if line.sku not in known
    ] + [
        ParkedLine(RETURN + line.return_line_id, line.sku, line.quantity, _missing(line.sku))
        for line in still_waiting
    ]
    return settled, movements, parked + list(record.refused.values())


def _missing(sku: str) -> str:
    if not sku:
        return "the line has no SKU"
    return f"SKU {sku} is not in syncbot: add it and the line is applied"


def encode(record: OrderRecord) -> dict[str, Any]:
    """The record as JSON holds it (the store's column); `decode` reads it back."""
    state, latest = record.state, record.latest
    return {
        "updated_at": _time(state.updated_at),
        "cancelled": state.cancelled,
        "lines": {line_id: asdict(line) for line_id, line in state.lines.items()},
        "returns_applied": sorted(state.returns_applied),
        "latest": None
        if latest is None
        else {
            "order_id": latest.order_id,
            "updated_at": _time(latest.updated_at),
            "cancelled": latest.cancelled,
            "lines": [asdict(line) for line in latest.lines],
        },
        "waiting": [asdict(line) for line in record.waiting],
        "refused": {
            line_id: {"sku": line.sku, "quantity": line.quantity, "reason": line.reason}
            for line_id, line in record.refused.items()
        },
    }


def decode(stored: Mapping[str, Any]) -> OrderRecord:
    state = OrderState(
        updated_at=_parse_time(stored["updated_at"]),
        cancelled=stored["cancelled"],
        lines={line_id: LineState(**line) for line_id, line in stored["lines"].items()},
        returns_applied=frozenset(stored["returns_applied"]),
    )
    latest = None
    if (snapshot := stored["latest"]) is not None:
        updated_at = _parse_time(snapshot["updated_at"])
        assert updated_at is not None
        latest = OrderSnapshot(
            order_id=snapshot["order_id"],
            updated_at=updated_at,
            cancelled=snapshot["cancelled"],
            lines=tuple(OrderLine(**line) for line in snapshot["lines"]),
        )
    waiting = tuple(
        ReturnLine(**{**line, "disposition": Disposition(line["disposition"])})
        for line in stored["waiting"]
    )
    refused = {
        line_id: ParkedLine(line_id, line["sku"], line["quantity"], line["reason"])
        for line_id, line in stored.get("refused", {}).items()
    }
    return OrderRecord(state, latest, waiting, refused)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
