"""An order's record: the whole reconciliation of a storefront order, event after event.

The store keeps one record per order and, for each event, only locks it, loads it, calls
`receive` and `settle` with the SKUs its catalogue knows, and saves what they return.

- **The newest snapshot wins.** It is kept whole (`latest`), so its lines whose SKU is
  unknown are applied the moment the SKU is added; an older snapshot changes nothing.
- **Return lines wait** for their SKU, and each applies once.
- **A bundle line moves its components** through the recipe it was taken with, kept in the
  record (`bundle_lines`): each line of a bundle is reconciled as its component lines.
- **Lines the store cannot hold** (an over-long SKU, a NUL in it, a quantity over the
  ledger's limit) are refused with their reason and kept out of the snapshot: the rest of
  the order is applied.

Every line not applied is parked, with the reason a person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
from syncbot.ledger.orders.bundle_lines import (
    LineRecipe,
    decode_recipe,
    encode_recipe,
    explode_line,
    explode_return,
    in_bundle,
    taken,
    too_large,
)
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
    recipes: Mapping[str, LineRecipe] = field(default_factory=dict)
    """The recipe each bundle line was taken with, by the storefront's line id."""


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
    return {line.sku for line in _lines(record) if line.sku}


def untaken(record: OrderRecord) -> set[str]:
    """The SKUs of lines seen for the first time: `settle` needs the current recipe of
    those that are bundles."""
    first = (
        line
        for line in _lines(record)
        if line.line_id not in record.recipes and line.line_id not in record.state.lines
    )
    return {line.sku for line in first if line.sku}


def _lines(record: OrderRecord) -> list[OrderLine | ReturnLine]:
    return [*(record.latest.lines if record.latest else ()), *record.waiting]


def settle(
    record: OrderRecord, known: set[str], recipes: Mapping[str, LineRecipe] | None = None
) -> tuple[OrderRecord, list[Movement], list[ParkedLine]]:
    """Reconciles the latest snapshot's known lines, then every return line now possible.

    `recipes`: the current recipe of the bundles among `untaken`'s SKUs; a line of one seen
    for the first time keeps it. Returns the new record, the movements to post and every
    line left parked.
    """
    kept = taken(record.recipes, record.state.lines, _lines(record), recipes or {})
    record = replace(record, recipes=kept)
    state = record.state
    movements: list[Movement] = []
    parked: list[ParkedLine] = []
    if record.latest is not None:
        # The order's own figures first (when, cancelled), then each line on its own, so
        # a bundle line's movements can name their bundle.
        state, _ = apply_snapshot(state, replace(record.latest, lines=()))
        for line in record.latest.lines:
            recipe = kept.get(line.line_id)
            figure = max(line.quantity, line.current, line.fulfilled)
            if why := _not_yet(line.sku, figure, recipe, known):
                parked.append(ParkedLine(line.line_id, line.sku, line.current, why))
                continue
            lines = (line,) if recipe is None else explode_line(line, recipe)
            state, moved = apply_snapshot(state, replace(record.latest, lines=lines))
            movements += moved if recipe is None else in_bundle(moved, recipe.recipe.bundle)
    still_waiting: list[ReturnLine] = []
    for back in record.waiting:
        recipe = kept.get(back.line_id)
        if why := _not_yet(back.sku, back.quantity, recipe, known):
            still_waiting.append(back)
            parked.append(ParkedLine(RETURN + back.return_line_id, back.sku, back.quantity, why))
            continue
        state, moved = _apply_return(state, back, recipe)
        movements += moved
    settled = replace(record, state=state, waiting=tuple(still_waiting))
    return settled, movements, parked + list(record.refused.values())


def _apply_return(
    state: OrderState, back: ReturnLine, recipe: LineRecipe | None
) -> tuple[OrderState, list[Movement]]:
    """A return line, or a bundle's as its components' (then marked applied itself)."""
    if recipe is None:
        return apply_return(state, back)
    movements: list[Movement] = []
    for part in explode_return(back, recipe):
        state, moved = apply_return(state, part)
        movements += in_bundle(moved, recipe.recipe.bundle)
    return replace(state, returns_applied=state.returns_applied | {back.return_line_id}), movements


def _not_yet(sku: str, figure: int, recipe: LineRecipe | None, known: set[str]) -> str | None:
    """Why a line cannot apply now: its SKU is unknown, or its bundles are too many."""
    if recipe is not None:
        return too_large(figure, recipe)
    return None if sku in known else _missing(sku)


def _missing(sku: str) -> str:
    if not sku:
        return "the line has no SKU"
    return f"SKU {sku} is not in syncbot: add it and the line is applied"


def encode(record: OrderRecord) -> dict[str, Any]:
    """The record as JSON holds it (the store's column); `decode` reads it back.

    Written out field by field, in each dataclass's field order, where `dataclasses.asdict`
    was: the same JSON to the byte, without asdict's deep copy of every value (a one-line
    order took 19 µs, now 5; asdict and copy were 8.5% of a flash sale's CPU). A field
    added to a line must be added here (tests/unit/test_order_record_form.py fails if not).
    """
    state, latest = record.state, record.latest
    return {
        "updated_at": _time(state.updated_at),
        "cancelled": state.cancelled,
        "lines": {line_id: _line_state(line) for line_id, line in state.lines.items()},
        "returns_applied": sorted(state.returns_applied),
        "latest": None
        if latest is None
        else {
            "order_id": latest.order_id,
            "updated_at": _time(latest.updated_at),
            "cancelled": latest.cancelled,
            "lines": [_order_line(line) for line in latest.lines],
        },
        "waiting": [_return_line(line) for line in record.waiting],
        "refused": {
            line_id: {"sku": line.sku, "quantity": line.quantity, "reason": line.reason}
            for line_id, line in record.refused.items()
        },
        "recipes": {line_id: encode_recipe(kept) for line_id, kept in record.recipes.items()},
    }


def _line_state(line: LineState) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "location": line.location,
        "committed": line.committed,
        "fulfilled": line.fulfilled,
        "quantity": line.quantity,
        "current": line.current,
        "refund_cancelled": line.refund_cancelled,
    }


def _order_line(line: OrderLine) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "quantity": line.quantity,
        "current": line.current,
        "fulfilled": line.fulfilled,
        "location": line.location,
    }


def _return_line(line: ReturnLine) -> dict[str, Any]:
    return {
        "return_line_id": line.return_line_id,
        "line_id": line.line_id,
        "sku": line.sku,
        "quantity": line.quantity,
        "disposition": line.disposition,
        "location": line.location,
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
    recipes = {line_id: decode_recipe(kept) for line_id, kept in stored.get("recipes", {}).items()}
    return OrderRecord(state, latest, waiting, refused, recipes)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
